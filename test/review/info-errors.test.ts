/**
 * An informational entry whose scenario breaks (a bug in the model or in the entry) must not be
 * shown as a quiet "info": the user would read an observation that was never made.
 */
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/report/review/catalogue.js";
import { formatMatrix, matrixJson } from "../../src/report/review/format.js";
import { runCheck } from "../../src/report/review/run.js";
import { type Check, Mismatch } from "../../src/report/review/scenario.js";

// A real informational entry, so the matrix groups and formats it as the catalogue does.
const real = CATALOGUE.find((c) => c.kind === "info")!;
const throwing = (e: unknown): Check => ({
  ...real,
  run(s) {
    s.boot();
    throw e;
  },
});

describe("informational entries that cannot run", () => {
  it("an exception inside the scenario is an error, with its message", () => {
    const r = runCheck(
      throwing(new TypeError("cannot read properties of undefined (reading 'cfg')")),
      "proposed",
    );
    expect(r.verdict).toBe("error");
    expect(r.detail).toBe("scenario error: cannot read properties of undefined (reading 'cfg')");
  });

  it("a step the revision refuses is what the entry observed: info, with the refusal", () => {
    const r = runCheck(throwing(new Mismatch("SET st_ext=0xffff: -1 ENOTTY, expected success")), "mainline");
    expect(r.verdict).toBe("info");
    expect(r.detail).toBe("SET st_ext=0xffff: -1 ENOTTY, expected success");
  });

  it("the matrix shows ERROR, says why and counts it; JSON counts it in the summary", () => {
    const results = new Map([
      [real.id, new Map([["proposed" as const, runCheck(throwing(new Error("boom")), "proposed")]])],
    ]);
    const text = formatMatrix([real], results, ["proposed"]);
    expect(text).toMatch(new RegExp(`^  ${real.id} +ERROR$`, "m"));
    expect(text).toContain("  proposed  ERROR  scenario error: boom");
    expect(text).toContain("(1 informational, 1 ERROR: informational entries that broke)");
    const doc = matrixJson([real], results, ["proposed"]);
    expect(doc.checks[0]!.results).toEqual({ proposed: "error" });
    expect(doc.summary.proposed).toEqual({ pass: 0, fail: 0, info: 0, error: 1 });
  });

  it("every catalogue entry runs: no informational entry is an error on any revision", () => {
    for (const c of CATALOGUE.filter((x) => x.kind === "info"))
      for (const r of ["mainline", "rfc", "v11", "proposed"] as const)
        expect(runCheck(c, r).verdict, `${c.id} ${r}`).toBe("info");
  });
});
