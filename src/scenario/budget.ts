/**
 * The resource budget of a run, checked at load: a scenario whose model would need more than
 * MAX_STATE_BYTES of memory, or whose work could push simulated time past MAX_HORIZON_PS, is
 * refused with the parameter to lower. Both are upper-bound estimates from the parameters alone:
 *
 * - state: every device's model (./budget-devices.ts: each accelerator's own cache, 4 bytes x sets
 *   x (4 + partitions + 2 x ways) as ../hw/fabric/cache.ts lays it out, and tag tables; each NIC's
 *   config space and ST table; the host LLC and an L2 per CPU a tag or consumer can name),
 *   closed-loop permits (8 bytes each),
 *   and STATE_PER_MESSAGE bytes for every message the run can offer (each may still wait for a
 *   consumer at the end: measured ~40 bytes per message, rounded up).
 * - horizon: every event of the model happens before the run's end plus the serial work the
 *   run can queue: each message's consumer cost, each byte through every rate-limited stage, and
 *   each latency once. Time is integer picoseconds below 2^53 (~9000 s); the limit keeps a margin.
 */
import { linkModel } from "../pcie/link.js";
import { deviceStateTerms, type StateTerm } from "./budget-devices.js";
import { fabricParamsOf } from "./fabric-params.js";
import { flowEnd, sizeRange, traceBound } from "./flow-shape.js";
import { deviceSetting, mrNic } from "./platform.js";
import type { FlowDesc, Scenario } from "./scenario-schema.js";
import type { Path, Reporter } from "./schema.js";
import { formatTimePs } from "./units.js";

/** Model state a scenario may need. */
export const MAX_STATE_BYTES = 1024 ** 3;
/** The latest simulated time the model may reach (1000 s; the engine's limit is 2^53 ps). */
export const MAX_HORIZON_PS = 1e15;
/** Longest mean gap between two messages of an open-loop flow. */
export const MAX_GAP_PS = 1e12;
const STATE_PER_MESSAGE = 64;

type Term = StateTerm;

/** Most bytes and messages a flow can offer in the run. */
export function flowBound(s: Scenario, f: FlowDesc): { bytes: number; messages: number } {
  const { min, max } = sizeRange(f);
  // A trace says exactly what it offers.
  if (f.trace !== undefined) return traceBound(f, flowEnd(s, f));
  const secs = (flowEnd(s, f) - f.start) / 1e12;
  // The flow's own NIC's line rate (a platform's NICs may differ).
  const line = deviceSetting(s, mrNic(s, f.mr) ?? "", "nic", "lineRateGbps") * 1e9;
  const depth = f.rate === undefined ? (f.queueDepth ?? 1) : 0;
  const byLine = (line * secs) / 8 / (min + s.nic.packetOverheadBytes);
  const byRate = f.rate === undefined ? Number.POSITIVE_INFINITY : (f.rate * secs) / 8 / min;
  let messages = Math.ceil(Math.min(byLine, byRate)) + depth + 1;
  if (f.messages !== undefined) messages = Math.min(messages, f.messages);
  return { bytes: messages * max, messages };
}

function stateTerms(s: Scenario): Term[] {
  const terms: Term[] = deviceStateTerms(s);
  s.flows.forEach((f, i) => {
    const { messages } = flowBound(s, f);
    const permits = 8 * (f.rate === undefined ? (f.queueDepth ?? 1) : 0);
    const path: Path =
      f.queueDepth !== undefined && permits > messages
        ? ["flows", i, "queueDepth"]
        : ["flows", i, f.trace !== undefined ? "trace" : "size"];
    terms.push({
      bytes: permits + STATE_PER_MESSAGE * messages,
      path,
      what: `flow ${f.name} (up to ${messages} messages in ${formatTimePs(s.duration)}; raise its size, lower its rate or the duration)`,
    });
  });
  return terms;
}

/** Picoseconds per byte through each rate-limited stage (0 = no limit), with its parameter. */
function rateStages(s: Scenario): { psPerByte: number; path: Path }[] {
  const out: { psPerByte: number; path: Path }[] = [];
  const walk = (node: unknown, path: Path) => {
    if (typeof node !== "object" || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === "number" && v > 0 && /GBps$/.test(k))
        out.push({ psPerByte: 1e3 / v, path: [...path, k] });
      else if (typeof v === "number" && v > 0 && /Gbps$/.test(k))
        out.push({ psPerByte: 8e3 / v, path: [...path, k] });
      else if (typeof v === "object") walk(v, [...path, k]);
    }
  };
  walk(fabricParamsOf(s), []);
  const link = linkModel({ gen: s.link.gen, width: s.link.width, mps: s.link.mps, mrrs: s.link.mrrs });
  out.push({ psPerByte: 8e3 / link.rawGbps, path: ["link", "width"] });
  return out;
}

/** Serial cost of consuming one message of `max` bytes, and per line, in ps. */
function consumerCost(c: object, lines: number): number {
  let perMsg = 0;
  let perLine = 0;
  for (const [k, v] of Object.entries(c)) {
    if (typeof v !== "number") continue;
    if (/NsPerLine$/.test(k)) perLine += v;
    else if (/LatencyNs$/.test(k)) perLine += v;
    else if (/Ns$/.test(k)) perMsg += v;
  }
  return 1e3 * (perMsg + lines * perLine);
}

function horizonTerms(s: Scenario): Term[] {
  const p = fabricParamsOf(s);
  let latencies = 0;
  const sumNs = (node: unknown) => {
    if (typeof node !== "object" || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === "number" && /Ns$/.test(k)) latencies += v * 1e3;
      else sumNs(v);
    }
  };
  sumNs(p);
  const terms: Term[] = [
    { bytes: s.duration + latencies, path: ["duration"], what: "the run and its latencies" },
  ];
  let bytes = 0;
  s.flows.forEach((f, i) => {
    const b = flowBound(s, f);
    bytes += b.bytes;
    const consumer = f.op === "read" ? undefined : p.accelerator.consumer;
    const line = Math.min(p.accelerator.lineBytes, p.host.lineBytes);
    const host = consumerCost(p.host.consumer, Math.ceil(sizeRange(f).max / line));
    const acc = consumer ? consumerCost(consumer, Math.ceil(sizeRange(f).max / line)) : 0;
    terms.push({
      bytes: b.messages * Math.max(host, acc),
      path: ["flows", i, f.trace !== undefined ? "trace" : "size"],
      what: `flow ${f.name}'s consumer work (${b.messages} messages; lower the consumer's per-line or per-message costs, or the flow's load)`,
    });
  });
  for (const st of rateStages(s)) {
    terms.push({
      bytes: 2 * bytes * st.psPerByte,
      path: st.path,
      what: "the bytes of the run through this rate (raise it)",
    });
  }
  return terms;
}

function refuse(
  terms: Term[],
  limit: number,
  r: Reporter,
  code: string,
  show: (n: number) => string,
  what: string,
): void {
  const total = terms.reduce((a, t) => a + t.bytes, 0);
  if (!(total > limit)) return;
  const top = terms.reduce((a, t) => (t.bytes > a.bytes ? t : a));
  r.report(
    top.path,
    code,
    `${what} would need up to ${show(total)} (limit ${show(limit)}); the largest part is ${top.what}: ${show(top.bytes)}`,
  );
}

function gib(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** Open-loop gaps: one message at its rate must not take longer than MAX_GAP_PS. */
function checkGaps(s: Scenario, r: Reporter): void {
  s.flows.forEach((f, i) => {
    if (f.rate === undefined) return;
    // Bursts stretch the gap by the off-periods it spans.
    const stretch = f.burst ? (f.burst.on + f.burst.off) / f.burst.on : 1;
    const gap = ((sizeRange(f).max * 8 * 1e12) / f.rate) * stretch;
    if (gap > MAX_GAP_PS)
      r.report(
        ["flows", i, "rate"],
        "budget",
        `one ${sizeRange(f).max}-byte message at this rate takes ${formatTimePs(Math.round(gap))}${f.burst ? " with the bursts' off-periods" : ""}, more than ${formatTimePs(MAX_GAP_PS)}: raise the rate or lower the size`,
      );
  });
}

/** Refuse a scenario beyond the budget, naming the parameter that costs most. */
export function checkBudget(s: Scenario, r: Reporter): void {
  checkGaps(s, r);
  refuse(stateTerms(s), MAX_STATE_BYTES, r, "budget", gib, "model state");
  refuse(horizonTerms(s), MAX_HORIZON_PS, r, "budget", (n) => formatTimePs(Math.round(n)), "simulated work");
}
