import { describe, expect, it } from "vitest";
import { inputError } from "../src/base/errors.js";
import type { Command } from "../src/cli/command.js";
import { captureIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";

const boom: Command = {
  name: "boom",
  summary: "fails on input",
  synopsis: [""],
  options: [],
  run: () => {
    throw inputError("--x", "must be even");
  },
};

describe("main", () => {
  it("prints help and exits 2 without a command", async () => {
    const io = captureIo();
    expect(await main([], io, [boom])).toBe(2);
    expect(io.out).toContain("boom");
  });
  it("rejects an unknown command with exit 2", async () => {
    const io = captureIo();
    expect(await main(["nope"], io, [boom])).toBe(2);
    expect(io.err).toBe("tphlab: unknown command 'nope' (try 'tphlab --help')\n");
  });
  it("turns InputError into one line and exit 2", async () => {
    const io = captureIo();
    expect(await main(["boom"], io, [boom])).toBe(2);
    expect(io.err).toBe("tphlab boom: --x: must be even\n");
  });
});
