/** Scenarios judge observations only: their code never reads which revision runs, and runs repeat exactly. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findCheck } from "../../src/report/review/catalogue.js";
import { runCheck } from "../../src/report/review/run.js";

const DIR = new URL("../../src/report/review/", import.meta.url);

/** Code without comments. */
function code(path: URL): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
}

describe("scenario independence", () => {
  it("no check or program fragment mentions the revision or its behaviours", () => {
    const files = [
      ...readdirSync(new URL("checks/", DIR)).map((f) => new URL(`checks/${f}`, DIR)),
      new URL("program.ts", DIR),
    ];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files)
      expect(code(f), f.pathname).not.toMatch(/\brevision\b|\bREVISIONS\b|\.b\.|\bk\.b\b/);
  });

  it("runs are deterministic: same verdict, reason and kernel trace", () => {
    const check = findCheck("requery-after-invalidate")!;
    const a = runCheck(check, "v11");
    const b = runCheck(check, "v11");
    expect(b.detail).toBe(a.detail);
    const dump = (r: typeof a) => r.scenario.machines.map((m) => m.k.trace.dump()).join("");
    expect(dump(b)).toBe(dump(a));
    expect(dump(a)).toMatch(/dma_buf_get_pci_tph: dmabuf=1 extended=1 st=0x4321 ph=2 ret=0/);
  });
});
