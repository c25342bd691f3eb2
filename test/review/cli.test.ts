/** `tphlab review`: the matrix, JSON, traces, gating and bad input. */
import { describe, expect, it } from "vitest";
import { reviewCommand } from "../../src/cli/commands/review.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { CATALOGUE } from "../../src/report/review/catalogue.js";

async function review(...argv: string[]) {
  const io = captureIo();
  const code = await main(["review", ...argv], io, [reviewCommand]);
  return { code, out: io.out, err: io.err };
}

describe("tphlab review", { timeout: 60_000 }, () => {
  it("prints the matrix with reasons for failures and a summary", async () => {
    const { code, out } = await review();
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toMatch(/^check +mainline +rfc +v11 +proposed$/);
    expect(out).toMatch(/^ {2}requery-after-invalidate +FAIL +FAIL +FAIL +pass$/m);
    expect(out).toMatch(
      /^ {2}v11 +FAIL {2}SET st=0x21 st_ext=0x4321 ph=2, revoke, SET .* NIC sends TH=1 PH=2 ST=0x4321/m,
    );
    expect(out).toMatch(
      /passed: mainline \d+\/45, rfc \d+\/45, v11 38\/45, proposed 45\/45 \(2 informational\)/,
    );
    expect(out).not.toMatch(/^ {2}proposed +pass/m);
    expect((await review()).out).toBe(out);
  });

  it("prints pass reasons with --verbose and selects checks and revisions", async () => {
    const { out } = await review(
      "--verbose",
      "--check",
      "revoke-blocks-map",
      "--revision",
      "proposed",
      "--revision",
      "v11",
    );
    expect(out.split("\n")[0]).toMatch(/^check +v11 +proposed$/);
    expect(out).toMatch(/^ {2}proposed +pass {2}memory off: mkey zapped/m);
    expect(out).not.toMatch(/dmah-takes-precedence/);
  });

  it("prints JSON as documented", async () => {
    const { code, out } = await review("--json");
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.revisions).toEqual(["mainline", "rfc", "v11", "proposed"]);
    expect(doc.checks).toHaveLength(CATALOGUE.length);
    const requery = doc.checks.find((c: { id: string }) => c.id === "requery-after-invalidate");
    expect(requery).toMatchObject({
      kind: "check",
      openProblem: 1,
      results: { mainline: "fail", rfc: "fail", v11: "fail", proposed: "pass" },
    });
    expect(requery.detail.proposed).toMatch(/ST=0x5555/);
    const info = doc.checks.find((c: { id: string }) => c.id === "tph-cpu-memory-exporter");
    expect(info).toMatchObject({ kind: "info", openProblem: 6, results: { v11: "info" } });
    expect(doc.summary.proposed).toEqual({ pass: 45, fail: 0, info: 2, error: 0 });
  });

  it("prints a check's kernel trace per revision, with its invariants", async () => {
    const { code, out } = await review("--trace", "st-index-no-leak", "--revision", "v11");
    expect(code).toBe(0);
    expect(out).toMatch(/^== st-index-no-leak on v11: FAIL: /);
    expect(out).toMatch(/^ +\d+ sys_enter_ioctl: pid=2 fd=3 cmd=VFIO_DEVICE_FEATURE len=40$/m);
    expect(out).toMatch(
      /^ +\d+ kmemleak: dev=0000:03:00.0 index=1 tag=0x4321 note="mlx5_st_idx_data not freed"$/m,
    );
    expect(out).toMatch(/^invariants: no-st-leak VIOLATED \(0000:03:00.0: bookkeeping of ST index 1/m);
  });

  it("gates on a revision: exit 1 when it fails a check", async () => {
    expect((await review("--gate", "v11", "--check", "st-index-no-leak")).code).toBe(1);
    expect((await review("--gate", "proposed")).code).toBe(0);
  });

  it("rejects bad input with exit 2 and a message naming the flag", async () => {
    for (const [argv, msg] of [
      [
        ["--revision", "v12"],
        /--revision: unknown revision .v12. \(known revisions: mainline, rfc, v11, proposed\)/,
      ],
      [
        ["--revision", "v11+nope"],
        /--revision: unknown fix .nope. \(known fixes: requery-after-invalidate, /,
      ],
      [["--check", "nope"], /--check: no check 'nope'/],
      [["--trace", "nope"], /--trace: no check 'nope'/],
      [["--gate", "v11", "--revision", "proposed"], /--gate: 'v11' is not among/],
      [["--revision", "v11", "--revision", "v11"], /given twice/],
      [["stray"], /Unexpected argument|positional/i],
    ] as const) {
      const r = await review(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
