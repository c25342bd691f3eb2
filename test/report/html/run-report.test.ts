/**
 * The run report's page as text: self-contained (nothing fetched), hostile text escaped, charts'
 * numbers equal to the run's results and repeated in the table beside each chart, timelines only
 * when the run has series, and `run --report` / `demo --report` writing it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { writeRunOutputs } from "../../../src/cli/commands/run-outputs.js";
import { captureIo } from "../../../src/cli/io.js";
import { main } from "../../../src/cli/main.js";
import type { ChartSpec } from "../../../src/report/html/chart.js";
import { renderRunReport } from "../../../src/report/html/run-report.js";
import type { RunOutcome } from "../../../src/scenario/result.js";
import { runExample, syntheticSeries } from "./report-fixtures.js";

function specs(html: string): ChartSpec[] {
  return [...html.matchAll(/<script type="application\/json" class="chart-spec">(.*?)<\/script>/gs)].map(
    (m) => JSON.parse(m[1]!) as ChartSpec,
  );
}

/** The cells of the data table beside chart `id`, by row. */
function tableRows(html: string, id: string): string[][] {
  const fig = html.slice(html.indexOf(`<figure class="chart" id="${id}"`));
  const table = fig.slice(fig.indexOf("<tbody>"), fig.indexOf("</tbody>"));
  return [...table.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((r) =>
    [...r[1]!.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map((c) => c[1]!),
  );
}

describe("the run report page", () => {
  let o: RunOutcome;
  let html: string;
  beforeAll(() => {
    o = runExample("demo");
    html = renderRunReport({ outcome: o });
  }, 60_000);

  it("is one file that fetches nothing: no src/href to anywhere, a CSP that forbids connections", () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc=/);
    expect(html).not.toMatch(/<link\b/);
    // The one URL is in uPlot's licence banner (a comment); the browser test watches for requests.
    expect([...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0])).toEqual([
      "https://github.com/leeoniya/uPlot",
    ]);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'`);
    expect(html).toMatch(/var uPlot\s*=/);
  });

  it("has every section, and a chart per link/partition/flow latency", () => {
    for (const id of [
      "summary",
      "timeline",
      "links",
      "partitions",
      "latency",
      "kernel-calls",
      "diagnostics",
      "config",
    ])
      expect(html).toContain(`<section id="${id}"`);
    const ids = specs(html)
      .map((s) => s.id)
      .filter((id) => !id.startsWith("timeline-"));
    expect(ids).toEqual(["link-utilization", "partition-hits", "latency-cdf-write", "latency-cdf-read"]);
    // The run's own series: a timeline per group, link and partition timelines in their sections.
    const timelines = specs(html).filter((s) => s.id.startsWith("timeline-"));
    expect(timelines.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        "timeline-flow-goodputGbps",
        "timeline-tlps",
        "timeline-link-utilization",
        "timeline-partition-writeHitRate",
      ]),
    );
    // Kernel events from the run's events: the revoke at 80 us, the new SET at 90 us.
    expect(timelines[0]!.markers!.map((m) => m.x)).toEqual(expect.arrayContaining([80, 90, 100]));
    expect(html).not.toContain("This run has no time series");
  });

  it("charts the results' numbers and repeats them in the table beside", () => {
    const util = specs(html).find((s) => s.id === "link-utilization")!;
    expect(util.xCategories).toEqual([
      "rp0-sw0 up",
      "rp0-sw0 down",
      "sw0-nic0 up",
      "sw0-nic0 down",
      "sw0-acc0 up",
      "sw0-acc0 down",
    ]);
    const rows = tableRows(html, "link-utilization");
    const nicUp = rows.find((r) => r[0] === "sw0-nic0 up")!;
    expect(nicUp.slice(1).map(Number)).toEqual(
      ["mainline", "v11", "proposed"].map((r) =>
        Number(o.report.results[r]!.links["sw0-nic0"]!.up.toPrecision(6)),
      ),
    );
    const cdf = specs(html).find((s) => s.id === "latency-cdf-write")!;
    for (const s of cdf.series) {
      const l = o.report.results[s.rev!]!.flows.write!.latencyNs;
      const at = (x: number) => s.values[cdf.x.indexOf(x)];
      expect([at(l.p50!), at(l.p99!), at(l.max!)]).toEqual([0.5, 0.99, 1]);
    }
  });

  it("lists the kernel calls side by side, errno names where they fail", () => {
    const k = html.slice(
      html.indexOf('<section id="kernel-calls"'),
      html.indexOf('<section id="diagnostics"'),
    );
    expect(k).toMatch(
      /<td class="num">90000<\/td><td>owner<\/td><td>SET TPH on hbm<\/td><td data-rev="mainline" class="bad">-ENOTTY<\/td><td data-rev="v11" class="num">0<\/td>/,
    );
  });

  it("escapes whatever a scenario says (names, descriptions) in text and inline JSON", () => {
    const evil = "</script><img src=x onerror=alert(1)>";
    const bad: RunOutcome = { ...o, description: evil, report: { ...o.report, scenario: evil } };
    const page = renderRunReport({ outcome: bad });
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(specs(page)).toHaveLength(specs(html).length);
  });

  it("draws a timeline per (group, metric) with kernel events as markers when series are given", () => {
    const page = renderRunReport({ outcome: o, ...syntheticSeries(o) });
    const t = specs(page).filter((s) => s.id.startsWith("timeline-"));
    // Reading order; link and partition timelines in their own sections, after the end-of-run chart.
    expect(t.map((s) => s.id)).toEqual([
      "timeline-flow-goodputGbps",
      "timeline-tlps",
      "timeline-link-utilization",
      "timeline-partition-writeHitRate",
    ]);
    const util = t[2]!;
    const links = page.slice(page.indexOf('<section id="links"'), page.indexOf('<section id="partitions"'));
    expect(links).toContain('id="timeline-link-utilization"');
    // TLP counts share one chart, a line per metric and revision; hit rates come from hits and misses.
    expect(t[1]!.series.map((s) => s.label)).toContain("stale · v11");
    const rate = t[3]!.series.find((s) => s.rev === "v11")!;
    expect(rate.values[0]).toBeCloseTo(40 / 100);
    expect(rate.values[8]).toBeNull(); // 90 us: revoked, nothing looked up
    expect(util.yRange).toEqual([0, 1]);
    expect(util.series.map((s) => s.label)).toEqual([
      "nic.up · mainline",
      "nic.up · v11",
      "nic.up · proposed",
    ]);
    expect(util.x[0]).toBe(10);
    // Markers in µs: the revoke at 80 us, the SET at 90 us, on the revisions that made the call.
    expect(util.markers!.map((m) => [m.x, m.label])).toEqual(
      expect.arrayContaining([
        [80, "revoke"],
        [90, "SET"],
      ]),
    );
    expect(page).not.toContain("This run has no time series");
  });
});

describe("run --report / demo --report", () => {
  it("writes the page and says where on stderr, stdout unchanged", async () => {
    const io = captureIo();
    const code = await main(["run", "p2p-write-switch", "--revision", "v11", "--report", "out.html"], io);
    expect(code, io.err).toBe(0);
    expect(io.err).toBe("report: out.html\n");
    expect(io.out).toContain("v11");
    expect(String(io.written["out.html"])).toMatch(/^<!doctype html>/);
  }, 60_000);

  it("draws the timelines from the run report's series, and says so when it has none", () => {
    const o = runExample("p2p-write-switch");
    const io = captureIo();
    const withSeries = { ...o, report: { ...o.report, ...syntheticSeries(o) } as RunOutcome["report"] };
    writeRunOutputs(withSeries, { report: "r.html", maxEvents: 10 }, io);
    const none = { ...o, report: { ...o.report, series: {}, events: {} } };
    writeRunOutputs(none, { report: "plain.html", maxEvents: 10 }, io);
    expect(String(io.written["r.html"])).toContain('id="timeline-link-utilization"');
    expect(String(io.written["plain.html"])).not.toContain('class="chart" id="timeline-');
    expect(String(io.written["plain.html"])).toContain("This run has no time series");
  }, 60_000);

  it("refuses an empty file name, naming the flag", async () => {
    const io = captureIo();
    expect(await main(["run", "demo", "--report", ""], io)).toBe(2);
    expect(io.err).toBe("tphlab run: --report: expects a file name\n");
  });
});
