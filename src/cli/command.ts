import { inputError } from "../base/errors.js";
import type { Io } from "./io.js";
import { type Flags, type OptionSpec, optionsHelp, parseOptions } from "./spec.js";

/**
 * A subcommand: `tphlab NAME ...` (or `tphlab NAME SUB ...` when it has subcommands). Options are
 * data (see ./spec.ts); `run` gets them parsed and returns the exit status; it throws InputError
 * for bad input.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage lines after `tphlab NAME`, e.g. `FILE [options]`. */
  readonly synopsis: readonly string[];
  readonly options: readonly OptionSpec[];
  /** Positional arguments, for help and completion: a name, and "file" when they are paths. */
  readonly args?: { readonly name: string; readonly complete?: readonly string[] | "file" };
  /** Help text after the options block. */
  readonly notes?: string | ((io: Io) => string);
  readonly subcommands?: readonly Command[];
  run(flags: Flags, io: Io): number | Promise<number>;
}

/** `tphlab NAME --help`. `path` is the command words, e.g. "tlp decode". */
export function commandHelp(cmd: Command, path: string, io: Io): string {
  const lines = cmd.synopsis.map((s, i) => `${i === 0 ? "usage: " : "       "}tphlab ${path} ${s}`);
  lines.push("", cmd.summary);
  if (cmd.subcommands) {
    const w = Math.max(...cmd.subcommands.map((c) => c.name.length));
    lines.push("", "commands:", ...cmd.subcommands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`));
  }
  lines.push("", "options:", optionsHelp(cmd.options));
  const notes = typeof cmd.notes === "function" ? cmd.notes(io) : cmd.notes;
  if (notes) lines.push("", notes.trimEnd());
  return `${lines.join("\n")}\n`;
}

/**
 * Parse argv for `cmd` (descending into subcommands) and run it; `--help` prints the help. Used by
 * main and by commands that run others (tour).
 */
export async function invoke(
  cmd: Command,
  argv: readonly string[],
  io: Io,
  path = cmd.name,
): Promise<number> {
  if (cmd.subcommands) {
    const [word, ...rest] = argv;
    const sub = cmd.subcommands.find((c) => c.name === word);
    if (sub) return invoke(sub, rest, io, `${path} ${sub.name}`);
    if (word === "--help" || word === "-h" || word === "help") {
      io.stdout(commandHelp(cmd, path, io));
      return 0;
    }
    const names = cmd.subcommands.map((c) => `'${c.name}'`).join(" or ");
    const found = word === undefined ? "nothing" : `'${word}'`;
    throw inputError("", `expected ${names}, found ${found} (see 'tphlab ${path} --help')`, "usage");
  }
  const flags = parseOptions(argv, cmd.options, path);
  if (flags.bool("help")) {
    io.stdout(commandHelp(cmd, path, io));
    return 0;
  }
  if (!cmd.args && flags.positionals.length > 0) {
    throw inputError(
      "",
      `unexpected argument '${flags.positionals[0]}' (see 'tphlab ${path} --help')`,
      "usage",
    );
  }
  return cmd.run(flags, io);
}
