/**
 * Flows as the scenario layer describes them, message-size samplers, and their validation.
 * A flow is one RDMA traffic stream through the NIC: remote peers WRITE into a memory region,
 * READ from it (the NIC is the responder), or SEND into receive buffers in it.
 */
import { InputError, type Issue } from "../../base/errors.js";
import { type Rng, WeightedChoice } from "../../sim/random.js";
import type { BurstSpec, TraceSpec } from "./arrivals.js";

export const FLOW_OPS = ["write", "read", "send"] as const;
export type FlowOp = (typeof FLOW_OPS)[number];

/** Draws message sizes in bytes (integers in 1..max). Called once per message. */
export interface SizeSampler {
  readonly max: number;
  readonly mean: number;
  sample(rng: Rng): number;
}

/** Who reads each message after it lands: compute engines on the accelerator, or a host CPU. */
export interface FlowConsumer {
  /** Engines working in parallel on this flow's messages. Default 1. */
  readonly engines?: number;
  /** Accelerator: partition the engines read first. Default: the intended partition (see expect). */
  readonly partition?: number;
  /** Host: the CPU that reads the data. Default: expect.cpu, else 0. */
  readonly cpu?: number;
}

/** Where the flow's data is meant to go; misdirected bytes are counted against it. */
export type FlowExpect = { readonly partition: number; readonly op: number } | { readonly cpu: number };

export interface FlowSpec {
  readonly name: string;
  readonly op: FlowOp;
  /** The NIC carrying the flow (index in the fabric's NICs). Default 0. */
  readonly nic?: number;
  /** 32-bit key of the memory region: rkey for write/read, the receive buffers' key for send. */
  readonly mkey: number;
  /** Byte offset into the MR where the flow's area starts. Default 0. */
  readonly offset?: number;
  /** Bytes of the MR the flow cycles through. Default: the MR's length minus offset. */
  readonly length?: number;
  /** Message size: bytes, or a sampler. Required unless the flow replays a trace. */
  readonly size?: number | SizeSampler;
  /** Distance between message start addresses (send: receive buffer size). Default: max size rounded up to 64. */
  readonly slotBytes?: number;
  /** Open loop: offered load in Gb/s of message payload. */
  readonly rateGbps?: number;
  /** Open-loop inter-arrival: "constant" (default) or "poisson". */
  readonly arrival?: "constant" | "poisson";
  /** Closed loop: messages outstanding. Default 1 when no rate is given. */
  readonly queueDepth?: number;
  /** Stop after this many messages. Default: no limit. */
  readonly messages?: number;
  /** First message at this time. Default 0. */
  readonly startNs?: number;
  /** No message starts at or after this time. Default: none. */
  readonly stopNs?: number;
  /** On/off source: messages start only during on-periods (open loop: the rate holds while on). */
  readonly burst?: BurstSpec;
  /** Open loop from a recording: message times (from startNs) and sizes; no size, rate or burst. */
  readonly trace?: TraceSpec;
  /** Consumers; false = nobody reads the data. Default: one engine (accelerator) or CPU (host). */
  readonly consumer?: FlowConsumer | false;
  /** Intended steering; default: what the owner's published tag resolves to. */
  readonly expect?: FlowExpect;
}

/** A constant message size. */
export function constantSize(bytes: number): SizeSampler {
  return { max: bytes, mean: bytes, sample: () => bytes };
}

/** Uniform integer sizes in [lo, hi]. */
export function uniformSize(lo: number, hi: number): SizeSampler {
  return { max: hi, mean: (lo + hi) / 2, sample: (rng) => rng.int(lo, hi) };
}

/** One of `sizes` with probability proportional to `weights` (equal weights by default). */
export function choiceSize(sizes: readonly number[], weights?: readonly number[]): SizeSampler {
  const w = weights ?? sizes.map(() => 1);
  const pick = new WeightedChoice(w);
  const total = w.reduce((a, b) => a + b, 0);
  const mean = sizes.reduce((a, s, i) => a + (s * w[i]!) / total, 0);
  return { max: Math.max(...sizes), mean, sample: (rng) => sizes[pick.sample(rng)]! };
}

/** Largest message: the MTU-independent bound of a message. */
export const MAX_MESSAGE_BYTES = 2 ** 31;

/** Every problem with a flow description, paths under `path`. */
export function validateFlowSpec(f: FlowSpec, path: string): Issue[] {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) =>
    issues.push({ code: "invalid", path: `${path}.${field}`, message });
  const intIn = (v: unknown, lo: number, hi: number) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (typeof f.name !== "string" || f.name === "") bad("name", "must be a non-empty string");
  if (!FLOW_OPS.includes(f.op)) bad("op", `must be one of ${FLOW_OPS.join(", ")}`);
  if (!intIn(f.mkey, 0, 0xffffffff)) bad("mkey", "must be a 32-bit key");
  if (f.offset !== undefined && !intIn(f.offset, 0, 2 ** 52)) bad("offset", "must be a non-negative integer");
  if (f.length !== undefined && !intIn(f.length, 1, 2 ** 52)) bad("length", "must be a positive integer");
  if (f.trace === undefined || f.size !== undefined) {
    const max = typeof f.size === "number" ? f.size : f.size?.max;
    if (!intIn(max, 1, MAX_MESSAGE_BYTES))
      bad("size", `must be an integer in 1..${MAX_MESSAGE_BYTES} (or a sampler with such a max)`);
  }
  if (f.slotBytes !== undefined && !intIn(f.slotBytes, 1, 2 ** 52))
    bad("slotBytes", "must be a positive integer");
  if (
    f.rateGbps !== undefined &&
    !(typeof f.rateGbps === "number" && f.rateGbps > 0 && Number.isFinite(f.rateGbps))
  ) {
    bad("rateGbps", "must be a positive number");
  }
  if (f.rateGbps !== undefined && f.queueDepth !== undefined)
    bad("queueDepth", "give either rateGbps (open loop) or queueDepth (closed loop)");
  if (f.arrival !== undefined && f.arrival !== "constant" && f.arrival !== "poisson")
    bad("arrival", "must be constant or poisson");
  if (f.queueDepth !== undefined && !intIn(f.queueDepth, 1, 1 << 20))
    bad("queueDepth", "must be an integer in 1..1048576");
  if (f.messages !== undefined && !intIn(f.messages, 0, 2 ** 52))
    bad("messages", "must be a non-negative integer");
  if (f.startNs !== undefined && !(typeof f.startNs === "number" && f.startNs >= 0))
    bad("startNs", "must be >= 0");
  issues.push(...validateShape(f, path));
  if (f.consumer && f.consumer.engines !== undefined && !intIn(f.consumer.engines, 1, 1024)) {
    bad("consumer.engines", "must be an integer in 1..1024");
  }
  return issues;
}

/** Problems of the arrival shape: stop after start, bursts with an on-period, a well-formed trace. */
function validateShape(f: FlowSpec, path: string): Issue[] {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) =>
    issues.push({ code: "invalid", path: `${path}.${field}`, message });
  const time = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
  if (f.stopNs !== undefined && !(time(f.stopNs) && f.stopNs > (f.startNs ?? 0)))
    bad("stopNs", "must be a time after startNs");
  if (f.burst !== undefined) {
    if (!(time(f.burst.onNs) && f.burst.onNs > 0)) bad("burst.onNs", "must be > 0");
    if (!time(f.burst.offNs)) bad("burst.offNs", "must be >= 0");
  }
  const t = f.trace;
  if (t === undefined) return issues;
  for (const k of ["size", "rateGbps", "queueDepth", "burst"] as const)
    if (f[k] !== undefined) bad(k, "a trace gives the arrivals: no size, rateGbps, queueDepth or burst");
  if (f.arrival === "poisson") bad("arrival", "a trace gives the arrival times: no poisson arrivals");
  if (!(t.timesPs.length > 0 && t.timesPs.length === t.sizes.length))
    bad("trace", "needs as many times as sizes, at least one");
  const i = t.timesPs.findIndex(
    (x, k) => !(Number.isSafeInteger(x) && x >= 0 && (k === 0 || x >= t.timesPs[k - 1]!)),
  );
  if (i >= 0) bad(`trace.timesPs[${i}]`, "times are non-decreasing integer picoseconds >= 0");
  const j = t.sizes.findIndex((x) => !(Number.isSafeInteger(x) && x >= 1 && x <= MAX_MESSAGE_BYTES));
  if (j >= 0) bad(`trace.sizes[${j}]`, `sizes are integers in 1..${MAX_MESSAGE_BYTES}`);
  return issues;
}

/** Throw one InputError for every flow problem, including duplicate names. */
export function checkFlowSpecs(flows: readonly FlowSpec[], path: string): void {
  const issues = flows.flatMap((f, i) => validateFlowSpec(f, `${path}[${i}]`));
  const seen = new Set<string>();
  flows.forEach((f, i) => {
    if (seen.has(f.name))
      issues.push({ code: "duplicate", path: `${path}[${i}].name`, message: `flow ${f.name} defined twice` });
    seen.add(f.name);
  });
  if (issues.length > 0) throw new InputError(issues);
}
