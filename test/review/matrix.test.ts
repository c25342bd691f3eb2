/**
 * The catalogue's expectations, asserted on real runs: `proposed` passes every check, `v11` fails
 * exactly the checks of its open problems, `rfc` fails the ABI check and the checks of its known
 * defects, `mainline` fails the checks that need the series.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { REVISION_NAMES, type RevisionName } from "../../src/kernel/revision.js";
import { CATALOGUE } from "../../src/report/review/catalogue.js";
import { type CheckResult, runCatalogue } from "../../src/report/review/run.js";

let results: Map<string, Map<RevisionName, CheckResult>>;
beforeAll(() => {
  results = runCatalogue(CATALOGUE, REVISION_NAMES);
});

const checks = CATALOGUE.filter((c) => c.kind === "check");
function failing(r: RevisionName): string[] {
  return checks.filter((c) => results.get(c.id)!.get(r)!.verdict === "fail").map((c) => c.id);
}

/** The checks that need the series' uapi (feature 13 or a tag on a dma-buf). */
const FEATURE_13 = [
  "tph-absent-returns-eopnotsupp",
  "tph-set-only",
  "tph-set-rejects-bad-ph",
  "tph-set-rejects-unknown-flags",
  "tph-ext-needs-ext-completer",
  "tph-fd-of-other-device",
  "tph-flags-zero-clears",
  "tph-namespace-not-substituted",
];
const OPEN_PROBLEMS = [
  "requery-after-invalidate",
  "p2p-namespace-from-completer",
  "direct-mode-16bit-tag",
  "st-index-no-leak",
];
/** Issue 8 section 2: the contract proposed closes beyond v11 (open problems 1 and 3). */
const CONTRACT = ["requery-full-table-keeps-tph", "set-retracts-mapped-tag", "set-validates-tag"];

describe("the catalogue", () => {
  it("has the required ids, unique, 30-50 entries, open problem 6 as the one informational open problem", () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    expect(ids.length).toBeLessThanOrEqual(50);
    for (const id of [
      "abi-dma-buf-compat",
      "tph-absent-returns-eopnotsupp",
      "tph-set-rejects-bad-ph",
      "tph-ext-needs-ext-completer",
      "tph-fd-of-other-device",
      "dmah-takes-precedence",
      "requery-after-invalidate",
      "p2p-namespace-from-completer",
      "direct-mode-16bit-tag",
      "st-index-no-leak",
      "st-table-full-ebusy",
      "revoke-blocks-map",
      "get-tph-needs-resv-lock",
    ])
      expect(ids).toContain(id);
    const info = CATALOGUE.filter((c) => c.kind === "info");
    expect(info.map((c) => c.openProblem).filter((p) => p !== undefined)).toEqual([6]);
    expect(checks.map((c) => c.openProblem).filter((p) => p !== undefined)).toEqual([1, 2, 4, 5, 1, 3, 3]);
  });

  it("gives every result a one-line reason and never a scenario error", () => {
    for (const c of CATALOGUE) {
      for (const r of REVISION_NAMES) {
        const res = results.get(c.id)!.get(r)!;
        expect(res.detail.length, `${c.id}@${r}`).toBeGreaterThan(10);
        expect(res.detail, `${c.id}@${r}`).not.toMatch(/\n|scenario error/);
        if (c.kind === "info") expect(res.verdict).toBe("info");
        else expect(["pass", "fail"]).toContain(res.verdict);
      }
    }
  });

  it("proposed passes every check, with every invariant holding", () => {
    expect(failing("proposed")).toEqual([]);
    for (const c of CATALOGUE)
      expect(results.get(c.id)!.get("proposed")!.invariantViolations, c.id).toEqual([]);
  });

  it("v11 fails exactly the checks of its open problems (1, 2, 3, 4, 5)", () => {
    expect(failing("v11")).toEqual([...OPEN_PROBLEMS, ...CONTRACT]);
    expect(failing("v11")).toEqual(checks.filter((c) => c.openProblem !== undefined).map((c) => c.id));
  });

  it("rfc fails the ABI check, feature 13 and its importer defects", () => {
    expect(failing("rfc")).toEqual([
      "abi-dma-buf-compat",
      ...FEATURE_13,
      "p2p-tag-reaches-mkey",
      ...OPEN_PROBLEMS,
      "st-table-reuses-equal-tag",
      "st-table-full-mr-falls-back",
      "unset-tag-no-tph",
      "mr-tag-from-own-buffer",
      ...CONTRACT,
      "get-tph-needs-resv-lock",
    ]);
    expect(results.get("abi-dma-buf-compat")!.get("rfc")!.detail).toMatch(/-1 EINVAL/);
    expect(results.get("unset-tag-no-tph")!.get("rfc")!.detail).toMatch(/TH=1 PH=0/);
    expect(results.get("mr-tag-from-own-buffer")!.get("rfc")!.detail).toMatch(/ST=0x42/);
  });

  it("mainline fails the TPH checks of the series and passes everything that predates it", () => {
    const tagged = [
      "p2p-tag-reaches-mkey",
      "p2p-direct-mode-tag",
      "dmah-takes-precedence",
      ...OPEN_PROBLEMS,
      "st-table-reuses-equal-tag",
      "st-table-full-mr-falls-back",
      "mr-tag-from-own-buffer",
      ...CONTRACT,
    ];
    expect(failing("mainline")).toEqual([...FEATURE_13, ...tagged, "get-tph-needs-resv-lock"]);
    for (const id of FEATURE_13) expect(results.get(id)!.get("mainline")!.detail).toMatch(/ENOTTY/);
  });

  it("reasons name the observations (v11's open problems)", () => {
    const why = (id: string) => results.get(id)!.get("v11")!.detail;
    expect(why("requery-after-invalidate")).toMatch(/ST=0x4321/);
    expect(why("p2p-namespace-from-completer")).toMatch(/extended=1 -> -EOPNOTSUPP/);
    expect(why("direct-mode-16bit-tag")).toMatch(/st_index=0x34/);
    expect(why("st-index-no-leak")).toMatch(/9 bookkeeping entries leaked/);
    expect(why("requery-full-table-keeps-tph")).toMatch(/ST=0x4321/);
    expect(why("set-retracts-mapped-tag")).toMatch(/next access: NIC sends TH=1 PH=2 ST=0x4321/);
    expect(why("set-validates-tag")).toMatch(
      /SET st=0x40 .*: 0, expected -1 EINVAL|returned 0, expected -1 EINVAL/,
    );
  });
});
