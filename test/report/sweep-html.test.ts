import { describe, expect, it } from "vitest";
import { sweepReportHtml } from "../../src/report/sweep-html.js";
import { aggregate } from "../../src/sweep/aggregate.js";
import type { StoredResult } from "../../src/sweep/store.js";
import { plan, scratch } from "../sweep/fixtures.js";

describe("sweep HTML report", () => {
  it("a chart per metric and per other-axis value, a series per revision with CI bands, and the table", () => {
    const p = plan(
      scratch(),
      `scenario: tiny.yaml
vary: { flows.write.rate: [50Gb/s, 100Gb/s], link.gen: [4, 5] }
revisions: [v11, proposed]
seeds: 2
metrics: [tlps.stale, bytesMisdirected]
`,
    );
    // Stored results made up for the page: stale = seed (so a CI exists), misdirected = 0.
    const stored = new Map<string, StoredResult>(
      p.points.map((x) => [
        x.hash,
        {
          hash: x.hash,
          revision: x.revision,
          seed: x.seed,
          values: x.values,
          version: x.version,
          result: undefined,
          metrics: { "tlps.stale": x.seed * 10, bytesMisdirected: 0 },
          error: undefined,
          elapsedMs: 1,
        },
      ]),
    );
    const html = sweepReportHtml(
      p,
      aggregate(p, (h) => stored.get(h)),
      "tphlab test",
    );
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // Two metrics x two values of the second axis.
    expect(html.match(/<figure/g)).toHaveLength(4);
    expect(html).toContain("tlps.stale (link.gen=4)");
    expect(html).toContain("v11 95% CI low");
    expect(html).toContain("proposed mean");
    expect(html).toContain("every aggregate");
  });
});
