/**
 * Reading a file a user names, bounded: only regular files, and at most `maxBytes` of them, checked
 * before anything is parsed. `/dev/zero`, a FIFO or a directory is refused at once instead of
 * reading forever; a file that grows while being read is refused when it passes the limit.
 * Used by every command that reads user files (`run FILE`, `lspci -F FILE`, `-i pci.ids`).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "./errors.js";

/** Default limit for a user file: 16 MiB (a pci.ids is ~1.4 MB, config dumps a few kB per device). */
export const DEFAULT_MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** The limit in words: "1 GiB", "16 MiB", "512 bytes". */
export function formatByteLimit(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The InputError for a file over `maxBytes` (also used for in-memory inputs). */
export function tooLargeError(path: string, size: number | undefined, maxBytes: number): InputError {
  const limit = formatByteLimit(maxBytes);
  const found = size === undefined ? `more than ${limit}` : `${size} bytes, the limit is ${limit}`;
  return new InputError({
    code: "too-large",
    path: shownPath(path),
    message: `file too large: ${found}`,
  });
}

function kindOf(st: {
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a pipe";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * `path` as an error names it: quoted when it would not read as a path on its own (empty, blank
 * at either end, control characters), so "tphlab run: \" \": cannot read" shows what was given.
 */
export function shownPath(path: string): string {
  return path === "" || /^\s|\s$|[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}

/**
 * The bytes of the regular file `path`, at most `maxBytes`. Throws InputError naming `path`:
 * `read` (cannot open: ENOENT, EACCES...), `not-file` (directory, device, pipe), `too-large`.
 * Files whose size the kernel reports as 0 (procfs) are read up to the limit and then refused.
 */
export function readInputFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang before fstat can refuse it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({
      code: "read",
      path: shownPath(path),
      message: `cannot read: ${code ?? (e as Error).message}`,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new InputError({
        code: "not-file",
        path: shownPath(path),
        message: `cannot read: ${kindOf(st)}, expected a regular file`,
      });
    if (st.size > maxBytes) throw tooLargeError(path, st.size, maxBytes);
    let buf = new Uint8Array(Math.min(maxBytes + 1, st.size ? st.size + 1 : 65536));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw tooLargeError(path, undefined, maxBytes);
    }
    return buf.slice(0, n);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({
      code: "read",
      path: shownPath(path),
      message: `cannot read: ${code ?? (e as Error).message}`,
    });
  } finally {
    closeSync(fd);
  }
}
