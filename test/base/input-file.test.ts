/** Reading user files: only regular files, never more than the limit, refused before parsing. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { readInputFile } from "../../src/base/input-file.js";

const dir = mkdtempSync(join(tmpdir(), "tphlab-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(path: string, max?: number): string {
  try {
    readInputFile(path, max);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return `${e.issues[0]!.code}: ${e.message}`;
  }
  return "read";
}

describe("readInputFile", () => {
  it("reads a regular file up to the limit, exactly", () => {
    const p = join(dir, "ok.txt");
    writeFileSync(p, "x".repeat(100));
    expect(readInputFile(p, 100)).toHaveLength(100);
    expect(refusal(p, 99)).toBe(`too-large: ${p}: file too large: 100 bytes, the limit is 99 bytes`);
  });

  it("refuses devices, directories and pipes at once instead of reading forever", () => {
    expect(refusal("/dev/zero")).toBe(
      "not-file: /dev/zero: cannot read: a character device, expected a regular file",
    );
    expect(refusal(dir)).toBe(`not-file: ${dir}: cannot read: a directory, expected a regular file`);
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // No writer: opening must not block.
    expect(refusal(fifo)).toMatch(/^not-file: .*a pipe, expected a regular file$/);
  });

  it("names a file it cannot open", () => {
    expect(refusal(join(dir, "missing"))).toBe(`read: ${join(dir, "missing")}: cannot read: ENOENT`);
  });

  it("refuses a file the kernel sizes as 0 but that is larger (procfs) once past the limit", () => {
    const p = "/proc/self/maps";
    expect(readInputFile(p).length).toBeGreaterThan(0);
    expect(refusal(p, 16)).toMatch(/^too-large: .*file too large: more than 16 bytes$/);
  });
});
