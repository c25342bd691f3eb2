/**
 * What a command may touch of the outside world. Passed explicitly so tests run `main()` with
 * in-memory streams and files, and the bin wires it to the process.
 */
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { inputError } from "../base/errors.js";
import { readInputFile, tooLargeError } from "../base/input-file.js";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Read a whole regular file of at most `maxBytes` (default 16 MiB) as bytes; throws an
   * InputError naming the path (cannot read, not a regular file, too large) before parsing.
   */
  readFile(path: string, maxBytes?: number): Uint8Array;
  /** The target of a symbolic link; throws on failure (ENOENT, EINVAL for a non-link). */
  readLink(path: string): string;
  /** List a directory's entries; throws on failure. */
  readDir(path: string): string[];
  /** Standard input, one line at a time as it arrives (without the line ending). */
  stdinLines(): AsyncIterable<string>;
  /** Write a whole file (reports, traces, exports); throws an InputError naming the path on failure. */
  writeFile(path: string, data: string | Uint8Array): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal (progress is drawn only then). Absent: not a terminal. */
  readonly stderrIsTTY?: boolean;
  /** A monotonic wall clock in milliseconds (for progress and its ETA; never in results). */
  readonly clock?: () => number;
}

/** Write through the file system, failures as one line naming the path (no stack trace). */
function writeOutputFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw inputError(path, `cannot write: ${code === "ENOENT" ? "no such directory" : code}`, "write");
  }
}

export function nodeIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p, maxBytes) => readInputFile(p, maxBytes),
    readDir: (p) => readdirSync(p),
    readLink: (p) => readlinkSync(p),
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
    writeFile: writeOutputFile,
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    clock: () => performance.now(),
  };
}

/**
 * End the process quietly when the reader of stdout or stderr goes away (`tphlab abi | head -1`):
 * the reader has what it wanted, so exit 0 with no message, as ripgrep does. Other stream errors
 * are real and propagate.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
      process.exit(0);
    });
  }
}

/** An Io that records output; files come from the real file system unless `files` maps them. */
export interface CapturedIo extends Io {
  out: string;
  err: string;
  /** What the command wrote with writeFile, by path (nothing reaches the disk). */
  written: Record<string, string | Uint8Array>;
}
export function captureIo(files: Record<string, string | Uint8Array> = {}, stdin = ""): CapturedIo {
  const base = nodeIo();
  const io: CapturedIo = {
    out: "",
    err: "",
    written: {},
    stdout: (t) => {
      io.out += t;
    },
    stderr: (t) => {
      io.err += t;
    },
    readFile: (p, maxBytes) => {
      const f = files[p];
      if (f === undefined) return base.readFile(p, maxBytes);
      const bytes = typeof f === "string" ? new TextEncoder().encode(f) : f;
      if (maxBytes !== undefined && bytes.length > maxBytes) throw tooLargeError(p, bytes.length, maxBytes);
      return bytes;
    },
    readDir: base.readDir,
    readLink: base.readLink,
    writeFile: (p, data) => {
      io.written[p] = data;
    },
    async *stdinLines() {
      const lines = stdin.split(/\r?\n/);
      if (lines.at(-1) === "") lines.pop();
      yield* lines;
    },
    env: {},
  };
  return io;
}
