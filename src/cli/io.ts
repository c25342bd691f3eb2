/**
 * What a command may touch of the outside world. Passed explicitly so tests run `main()` with
 * in-memory streams and files, and the bin wires it to the process.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Read a whole file as bytes; throws the Node error (ENOENT, EISDIR, ...) on failure. */
  readFile(path: string): Uint8Array;
  /** List a directory's entries; throws on failure. */
  readDir(path: string): string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function nodeIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => new Uint8Array(readFileSync(p)),
    readDir: (p) => readdirSync(p),
    env: process.env,
  };
}

/** An Io that records output; files come from the real file system unless `files` maps them. */
export interface CapturedIo extends Io {
  out: string;
  err: string;
}
export function captureIo(files: Record<string, string | Uint8Array> = {}): CapturedIo {
  const base = nodeIo();
  const io: CapturedIo = {
    out: "",
    err: "",
    stdout: (t) => {
      io.out += t;
    },
    stderr: (t) => {
      io.err += t;
    },
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) return base.readFile(p);
      return typeof f === "string" ? new TextEncoder().encode(f) : f;
    },
    readDir: base.readDir,
    env: {},
  };
  return io;
}
