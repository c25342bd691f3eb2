/**
 * `tphlab worker --broker redis://HOST:PORT [--concurrency N]`: run sweep points queued on Redis
 * by `tphlab sweep FILE --broker ...`, on this machine, until stopped (Ctrl-C or SIGTERM: running
 * points finish; a second Ctrl-C stops at once and those points go back to the queue).
 *
 * What runs a point is injected (`WorkerDeps.runner`), so the command is the same whether points
 * run in a thread pool (the CLI) or in a stand-in (tests).
 */
import { availableParallelism } from "node:os";
import { inputError } from "../../base/errors.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, probeBroker } from "../../sweep/broker/connect.js";
import { checkQueueName, DEFAULT_QUEUE, DEFAULT_STALL_TIMING } from "../../sweep/broker/protocol.js";
import { parseBrokerUrl } from "../../sweep/broker/url.js";
import type { RunPoint } from "../../sweep/broker/worker.js";
import { startWorker } from "../../sweep/broker/worker.js";
import { optIntFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { packageVersion } from "../package.js";
import type { Flags } from "../spec.js";

/** Runs points, up to `concurrency` at once; closed when the worker stops. */
export interface PointRunner {
  readonly runPoint: RunPoint;
  close(): Promise<void>;
}

export interface WorkerDeps {
  /** The point runner for `concurrency` points at once. */
  runner(concurrency: number, io: Io): PointRunner;
  /** Resolves at the first stop request (SIGINT/SIGTERM); `again` is called at a second one. */
  stopRequested(again: () => void): Promise<void>;
}

/** Stop on SIGINT or SIGTERM; a second one calls `again`. */
export function processStopRequested(again: () => void): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = () => {
      seen++;
      if (seen === 1) resolve();
      else {
        process.off("SIGINT", on);
        process.off("SIGTERM", on);
        again();
      }
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

interface WorkerSettings {
  readonly url: string;
  readonly queue: string;
  readonly concurrency: number;
  readonly stall: { readonly lockDurationMs: number; readonly stalledIntervalMs: number };
}

/** Every flag checked before anything connects. */
function settings(flags: Flags): WorkerSettings {
  const url = flags.string("broker");
  if (url === undefined) throw inputError("--broker", "is required (redis://HOST:PORT)", "required");
  const ms = (name: string, min: number, fallback: number) =>
    optIntFlag(`--${name}`, flags.string(name), min, 86_400_000, fallback);
  return {
    url,
    queue: checkQueueName(flags.string("queue") ?? DEFAULT_QUEUE),
    concurrency: optIntFlag("--concurrency", flags.string("concurrency"), 1, 1024, availableParallelism()),
    stall: {
      lockDurationMs: ms("lock-ms", 500, DEFAULT_STALL_TIMING.lockDurationMs),
      stalledIntervalMs: ms("stalled-ms", 100, DEFAULT_STALL_TIMING.stalledIntervalMs),
    },
  };
}

type Say = (event: string, fields: Record<string, unknown>, text: string) => void;

/** The runner's runPoint, telling each finished point when asked to. */
function telling(runner: PointRunner, say: Say | undefined): RunPoint {
  return async (point, signal) => {
    const r = await runner.runPoint(point, signal);
    const fields = { hash: point.hash, index: point.index, elapsedMs: r.elapsedMs };
    say?.("finished", fields, `finished ${point.hash} in ${Math.round(r.elapsedMs)} ms`);
    return r;
  };
}

async function run(flags: Flags, io: Io, deps: WorkerDeps): Promise<number> {
  const s = settings(flags);
  const json = flags.bool("json");
  const say: Say = (event, fields, text) =>
    json ? io.stdout(`${JSON.stringify({ event, ...fields })}\n`) : io.stderr(`tphlab worker: ${text}\n`);
  const perPoint = json || flags.bool("verbose") ? say : undefined;
  const version = packageVersion(io);
  // A wrong or unreachable broker is reported before anything else is set up.
  const addr = parseBrokerUrl(s.url);
  await probeBroker(addr, "--broker", DEFAULT_CONNECT_TIMEOUT_MS);
  const runner = deps.runner(s.concurrency, io);
  let lastLog = "";
  const worker = await startWorker({
    ...s,
    version,
    runPoint: telling(runner, perPoint),
    // A lost connection repeats its error at every retry: tell it once.
    log: (line) => {
      if (line !== lastLog) say("log", { message: line }, line);
      lastLog = line;
    },
    ...(perPoint
      ? { onStart: (p) => perPoint("started", { hash: p.hash, index: p.index }, `started ${p.hash}`) }
      : {}),
  }).catch(async (e: unknown) => {
    await runner.close();
    throw e;
  });
  const where = `${addr.display} queue '${s.queue}'`;
  say(
    "ready",
    { version, broker: addr.display, queue: s.queue, concurrency: s.concurrency },
    `tphlab ${version} taking points from ${where}, ${s.concurrency} at a time (Ctrl-C to stop)`,
  );
  let force = false;
  await deps.stopRequested(() => {
    force = true;
    void worker.close(true);
  });
  say(
    "stopping",
    {},
    "stopping: running points finish (Ctrl-C again to stop now; they go back to the queue)",
  );
  await worker.close(force);
  await runner.close();
  say("stopped", { points: worker.finished() }, `stopped after ${worker.finished()} points`);
  return 0;
}

/** The command with its dependencies (the registry passes the real ones; tests their stand-ins). */
export function makeWorkerCommand(deps: WorkerDeps): Command {
  return {
    name: "worker",
    summary: "run sweep points queued on Redis (tphlab sweep FILE --broker URL) on this machine",
    synopsis: ["--broker redis://HOST:PORT [--concurrency N] [--queue NAME] [-v] [--json]"],
    options: [
      { name: "broker", value: "URL", help: "the Redis server holding the queue: redis://HOST:PORT" },
      {
        name: "concurrency",
        short: "c",
        value: "N",
        help: "points run at once (default: the number of cores)",
      },
      { name: "queue", value: "NAME", help: `the queue to take points from (default ${DEFAULT_QUEUE})` },
      { name: "lock-ms", value: "MS", help: "how long a job stays locked without renewal (default 30000)" },
      { name: "stalled-ms", value: "MS", help: "how often stalled jobs are looked for (default 30000)" },
      { name: "verbose", short: "v", help: "a line per point started and finished" },
    ],
    notes: `A worker refuses points planned by another tphlab version (the submitter stops with both
versions named). A worker that dies loses nothing: once its lock lapses (--lock-ms) another
worker's check (every --stalled-ms) puts its points back in the queue.
--json prints one JSON object per line per event (ready, started, finished, log, stopping, stopped).`,
    run: (flags, io) => run(flags, io, deps),
  };
}
