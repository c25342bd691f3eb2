/**
 * Local executors: a piscina worker-thread pool (one thread per core by default), and an in-thread
 * one (`--workers 0`: no threads, for debugging and for tests that run from the TypeScript source).
 *
 * The worker file: threads load compiled JavaScript, so the pool runs `worker.js` next to this
 * module, which exists in the build (dist/sweep/). Run from the sources (vitest), there is no such
 * file: the caller passes `workerFile` (the tests build once into a scratch folder), or gets a
 * clear error rather than a thread that dies on a .ts import.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { ModelError } from "../base/errors.js";
import { Int32Arena } from "../sim/arena.js";
import { type FullPointResult, runPoint } from "./run-point.js";
import type { PointExecutor, SweepPoint } from "./types.js";

export interface LocalPoolOptions {
  /** Threads (default: every core). */
  readonly workers?: number;
  /** The compiled worker module (default: worker.js beside this module). */
  readonly workerFile?: string;
}

/** The compiled worker beside this module, or a ModelError saying to build. */
export function defaultWorkerFile(): string {
  const file = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (!existsSync(file))
    throw new ModelError(
      `the sweep's worker threads run the compiled build: ${file} is missing (npm run build)`,
    );
  return file;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** Points in flight per thread: enough to keep every thread busy, few enough to stop soon on abort. */
const WINDOW_PER_THREAD = 2;

export class LocalPool implements PointExecutor {
  private readonly pool: Piscina;
  readonly threads: number;
  /** A thread that failed outside any task (e.g. its module did not load); ends the current run. */
  private broken: Error | undefined;
  private readonly stop = new AbortController();
  constructor(o: LocalPoolOptions = {}) {
    this.threads = o.workers ?? defaultWorkers();
    this.pool = new Piscina({
      filename: o.workerFile ?? defaultWorkerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    // Without a listener such an error would end the process with a stack trace.
    this.pool.on("error", (e: Error) => {
      this.broken ??= e;
      this.stop.abort();
    });
  }

  async run(
    points: readonly SweepPoint[],
    onResult: (r: FullPointResult) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    let next = 0;
    let failure: unknown;
    const any = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    const lane = async (): Promise<void> => {
      while (next < points.length && !any.aborted && failure === undefined) {
        const p = points[next++]!;
        try {
          const r = (await this.pool.run(p, { signal: any })) as FullPointResult;
          onResult(r); // a result that arrives after an abort is still a result
        } catch (e) {
          // An abort is the caller's choice; anything else (a worker that died) stops the sweep.
          if (!signal?.aborted) failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: this.threads * WINDOW_PER_THREAD }, lane));
    if (this.broken) throw new ModelError(`a sweep worker thread failed: ${this.broken.message}`);
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs points one after the other in this thread, yielding between them so an abort is seen. */
export class InThreadExecutor implements PointExecutor {
  private readonly arena = new Int32Arena();
  async run(
    points: readonly SweepPoint[],
    onResult: (r: FullPointResult) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const p of points) {
      if (signal?.aborted) return;
      onResult(runPoint(p, this.arena));
      await new Promise((done) => setImmediate(done));
    }
  }

  async close(): Promise<void> {}
}
