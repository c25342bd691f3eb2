/**
 * Which executor runs a sweep's points: the one place `tphlab sweep` chooses. Local threads by
 * default (`--workers N`, 0 = in this thread). A distributed executor (BullMQ on Redis, `--broker
 * URL`) plugs in here: its options join SWEEP_EXECUTOR_OPTIONS and chooseExecutor returns it when
 * its option is given. Every executor implements PointExecutor (src/sweep/types.ts) and must call
 * onResult with runPoint's whole output (FullPointResult: metrics and the full result), once per
 * point it finishes; the store ignores a second result for the same hash.
 */
import { availableParallelism } from "node:os";
import { inputError } from "../../base/errors.js";
import { createBrokerExecutor } from "../../sweep/broker/executor.js";
import { InThreadExecutor, LocalPool } from "../../sweep/local-pool.js";
import type { PointExecutor } from "../../sweep/types.js";
import { optIntFlag } from "../args.js";
import type { Io } from "../io.js";
import { packageVersion } from "../package.js";
import type { Flags, OptionSpec } from "../spec.js";

export const SWEEP_EXECUTOR_OPTIONS: readonly OptionSpec[] = [
  { name: "workers", value: "N", help: "worker threads (default: one per core; 0: run in this thread)" },
  {
    name: "broker",
    value: "URL",
    help: "queue the points on Redis (redis://HOST:PORT) for `tphlab worker` processes instead of running them here",
  },
  {
    name: "queue",
    value: "NAME",
    help: "the BullMQ queue name with --broker (default: the workers' default)",
  },
];

/** Most threads --workers accepts (a typo guard: far past any machine's cores). */
const MAX_WORKERS = 1024;

export interface ChosenExecutor {
  readonly executor: PointExecutor;
  /** How it is described in the summary ("2 worker threads"). */
  readonly label: string;
}

export async function chooseExecutor(flags: Flags, io: Io): Promise<ChosenExecutor> {
  const broker = flags.string("broker");
  const queue = flags.string("queue");
  if (broker === undefined && queue !== undefined)
    throw inputError("--queue", "--queue needs --broker", "conflict");
  if (broker !== undefined) {
    if (flags.string("workers") !== undefined)
      throw inputError(
        "--workers",
        "--workers runs points here; with --broker the workers are `tphlab worker` processes",
        "conflict",
      );
    const executor = createBrokerExecutor({
      url: broker,
      version: packageVersion(io),
      ...(queue === undefined ? {} : { queue }),
    });
    return { executor, label: `the workers of ${broker}${queue === undefined ? "" : ` (queue ${queue})`}` };
  }
  const workers = optIntFlag("--workers", flags.string("workers"), 0, MAX_WORKERS, availableParallelism());
  if (workers === 0) return { executor: new InThreadExecutor(), label: "in this thread" };
  return {
    executor: new LocalPool({ workers }),
    label: `${workers} worker thread${workers === 1 ? "" : "s"}`,
  };
}
