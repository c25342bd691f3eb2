import type { Io } from "./io.js";

/** A subcommand: `tphlab NAME ...`. `run` returns the exit status; it throws InputError for bad input. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: Io): number | Promise<number>;
}
