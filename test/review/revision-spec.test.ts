/** Revision specs (BASE[+FIX...]) and the attribution of fixes to checks, produced by running them. */
import { describe, expect, it } from "vitest";
import {
  FIXES,
  parseRevisionSpec,
  REVISION_NAMES,
  REVISIONS,
  revisionBehaviours,
  singleFixRevisions,
  sortRevisions,
} from "../../src/kernel/revision.js";
import { attributeFixes, formatFixes } from "../../src/report/review/attribute.js";
import { findCheck } from "../../src/report/review/catalogue.js";
import { runCheck } from "../../src/report/review/run.js";

describe("parseRevisionSpec", () => {
  it("resolves a base, and a base with fixes in canonical order", () => {
    const r = parseRevisionSpec(" v11+retract-on-set+requery-after-invalidate ");
    expect(r.ok && r.name).toBe("v11+requery-after-invalidate+retract-on-set");
    expect(r.ok && r.behaviours.mlx5RequeryAfterInvalidate && r.behaviours.vfioSetTphRetracts).toBe(true);
    expect(r.ok && r.behaviours.vfioSetTphValidates).toBe(false);
    for (const b of REVISION_NAMES) expect(revisionBehaviours(b)).toEqual(REVISIONS[b]);
  });
  it("lists every issue with the known names", () => {
    expect(parseRevisionSpec("v12+nope+nope")).toEqual({
      ok: false,
      issues: [
        "unknown revision 'v12' (known revisions: mainline, rfc, v11, proposed)",
        `unknown fix 'nope' (known fixes: ${FIXES.map((f) => f.name).join(", ")})`,
        `unknown fix 'nope' (known fixes: ${FIXES.map((f) => f.name).join(", ")})`,
      ],
    });
    expect(parseRevisionSpec("v11+validate-tag+validate-tag")).toEqual({
      ok: false,
      issues: ["fix 'validate-tag' given twice"],
    });
    expect(parseRevisionSpec("v11+").ok).toBe(false);
    expect(parseRevisionSpec("").ok).toBe(false);
  });
  it("proposed is v11 with every fix, and every fix changes something on v11", () => {
    const all = parseRevisionSpec(`v11+${FIXES.map((f) => f.name).join("+")}`);
    expect(all.ok && all.behaviours).toEqual(REVISIONS.proposed);
    for (const f of FIXES) expect(revisionBehaviours(`v11+${f.name}`), f.name).not.toEqual(REVISIONS.v11);
    expect(new Set(FIXES.map((f) => f.name)).size).toBe(FIXES.length);
    for (const f of FIXES) expect(f.description.length, f.name).toBeLessThanOrEqual(100);
  });
  it("sorts by base, then by number of fixes", () => {
    expect(sortRevisions(["proposed", "v11+validate-tag", "mainline", "v11"])).toEqual([
      "mainline",
      "v11",
      "v11+validate-tag",
      "proposed",
    ]);
    expect(singleFixRevisions()).toHaveLength(FIXES.length);
  });
});

describe("attribution", () => {
  it("names, per fix, the checks it mends on v11 and the pairs the rest need", () => {
    const a = attributeFixes(
      [
        "requery-after-invalidate",
        "requery-full-table-keeps-tph",
        "set-retracts-mapped-tag",
        "set-validates-tag",
      ].map((id) => findCheck(id)!),
    );
    const by = Object.fromEntries(a.perFix.map((p) => [p.fix.name, p.fixes]));
    expect(by["requery-after-invalidate"]).toEqual(["requery-after-invalidate"]);
    expect(by["validate-tag"]).toEqual(["set-validates-tag"]);
    expect(by["retract-on-set"]).toEqual([]);
    expect(a.perFix.flatMap((p) => p.breaks)).toEqual([]);
    expect(a.jointly).toEqual([
      { check: "requery-full-table-keeps-tph", fixes: ["requery-after-invalidate", "requery-release-first"] },
      { check: "set-retracts-mapped-tag", fixes: ["requery-after-invalidate", "retract-on-set"] },
    ]);
  });
  it("without release-first a full table turns the re-query into no TPH", () => {
    const r = runCheck(findCheck("requery-full-table-keeps-tph")!, "v11+requery-after-invalidate");
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(/no TPH/);
  });
  it("--fixes lists every fix with its open problem", () => {
    const text = formatFixes();
    for (const f of FIXES) expect(text).toContain(f.name);
    expect(text).toMatch(/retract-on-set\s+3\s+a SET on a mapped dma-buf/);
  });
});
