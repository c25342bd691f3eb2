/**
 * `tphlab` entry point as a pure function: main(argv, io) -> exit status.
 * 0 success, 1 a check failed (e.g. review found failures the user asked to gate on, a decoded
 * TLP breaks a rule), 2 bad input. Bad input prints one line per problem, never a stack trace.
 */
import { InputError, ModelError } from "../base/errors.js";
import { type Command, invoke } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import type { Io } from "./io.js";
import { packageVersion } from "./package.js";

export const EXIT = { OK: 0, FAIL: 1, USAGE: 2, INTERNAL: 70 } as const;

function helpText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return (
    "usage: tphlab COMMAND [options]\n       tphlab --version\n\n" +
    `commands:\n${lines.join("\n")}\n\n` +
    "Every command takes --json and --help. Run 'tphlab COMMAND --help' for a command's options.\n"
  );
}

export async function main(
  argv: readonly string[],
  io: Io,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `tphlab help run` is `tphlab run --help`.
  const [name, ...rest] = first === "help" && afterFirst.length > 0 ? [...afterFirst, "--help"] : argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(helpText(commands));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version") {
    io.stdout(`tphlab ${packageVersion(io)}\n`);
    return EXIT.OK;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    const what = name.startsWith("-") ? "option" : "command";
    io.stderr(`tphlab: unknown ${what} '${name}' (try 'tphlab --help')\n`);
    return EXIT.USAGE;
  }
  try {
    return await invoke(cmd, rest, io);
  } catch (e) {
    if (e instanceof InputError) {
      for (const issue of e.issues) {
        io.stderr(`tphlab ${name}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}\n`);
      }
      return EXIT.USAGE;
    }
    const what = e instanceof ModelError ? "model error" : "internal error";
    io.stderr(`tphlab ${name}: ${what}: ${(e as Error).message ?? String(e)}\n`);
    return EXIT.INTERNAL;
  }
}
