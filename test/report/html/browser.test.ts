/**
 * The HTML reports in a real browser (Debian's chromium through playwright-core; .ci/run installs
 * it): every example's report opens from file:// with no console error and no request of any
 * kind, every chart draws marks in its revision colours (not just axes), the revision switch
 * isolates a revision in charts and tables, the page fits 1280 px and 390 px wide, and
 * screenshots are kept under test-artifacts/report/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVISION_COLORS } from "../../../src/report/html/client.js";
import { renderReviewReport } from "../../../src/report/html/review-report.js";
import { renderRunReport } from "../../../src/report/html/run-report.js";
import { CATALOGUE } from "../../../src/report/review/catalogue.js";
import { runCatalogue } from "../../../src/report/review/run.js";
import { demoWithSeries, exampleNames, runExample } from "./report-fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../../test-artifacts/report/", import.meta.url).pathname;
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The page's globals, typed as far as the test uses them (the project type-checks without the DOM lib). */
interface El {
  id: string;
  hidden: boolean;
  textContent: string | null;
  width: number;
  height: number;
  getAttribute(name: string): string | null;
  querySelector(sel: string): El | null;
  getBoundingClientRect(): { right: number };
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: {
  querySelectorAll(sel: string): ArrayLike<El> & Iterable<El>;
  querySelector(sel: string): El | null;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };

interface Opened {
  errors: string[];
  requests: string[];
}

/** Pixels per chart close to each colour (index-aligned with `colors`). */
async function colourCounts(
  page: Page,
  colors: readonly string[],
): Promise<{ id: string; counts: number[] }[]> {
  return page.evaluate((cols) => {
    const rgb = cols.map((c) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16)));
    return [...document.querySelectorAll("figure.chart")].map((fig) => {
      const canvas = fig.querySelector("canvas")!;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const counts = rgb.map(() => 0);
      for (let p = 0; p < data.length; p += 4) {
        if (data[p + 3]! < 200) continue;
        rgb.forEach(([r, g, b], k) => {
          if (Math.abs(data[p]! - r!) + Math.abs(data[p + 1]! - g!) + Math.abs(data[p + 2]! - b!) < 40)
            counts[k]!++;
        });
      }
      return { id: fig.id, counts };
    });
  }, colors);
}

describe.skipIf(!existsSync(CHROMIUM))("HTML reports in Chromium (needs /usr/bin/chromium)", () => {
  let context: BrowserContext;
  let page: Page;
  let profile = "";
  const opened: Opened = { errors: [], requests: [] };
  const files = new Map<string, { path: string; revisions: string[] }>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of exampleNames()) {
      const o = runExample(name);
      const path = `${ARTIFACTS}${name}.html`;
      writeFileSync(path, renderRunReport({ outcome: o }));
      files.set(name, { path, revisions: Object.keys(o.report.results) });
      if (name === "demo") {
        writeFileSync(`${ARTIFACTS}demo-series.html`, demoWithSeries(o));
        files.set("demo-series", {
          path: `${ARTIFACTS}demo-series.html`,
          revisions: Object.keys(o.report.results),
        });
      }
    }
    const revisions = ["mainline", "v11", "proposed"] as const;
    const checks = CATALOGUE.slice(0, 12);
    writeFileSync(
      `${ARTIFACTS}review.html`,
      renderReviewReport({ checks, results: runCatalogue(checks, revisions), revisions }),
    );
    // One browser for the file, on a fresh profile, one page reused by every test.
    profile = mkdtempSync(join(tmpdir(), "tphlab-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") opened.errors.push(m.text());
    });
    page.on("pageerror", (e) => opened.errors.push(e.message));
    // Everything but the navigation to the report itself is a request the report should not make.
    page.on("request", (r) => {
      if (r.url() !== target) opened.requests.push(r.url());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  let target = "";
  async function open(path: string): Promise<void> {
    opened.errors.length = 0;
    opened.requests.length = 0;
    target = `file://${path}`;
    await page.goto(target);
    await page.waitForFunction(
      () => document.querySelectorAll("figure.chart:not([data-drawn])").length === 0,
    );
  }

  it("opens every example's report offline, with no console error, every chart drawing its marks", async () => {
    const names = [...files.keys()];
    expect(names).toContain("demo");
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const [name, f] of files) {
      await open(f.path);
      expect(opened.errors, name).toEqual([]);
      expect(opened.requests, name).toEqual([]);
      const charts = await colourCounts(page, REVISION_COLORS.slice(0, f.revisions.length));
      // Link utilization, partition hits, one CDF per flow at least.
      expect(charts.length, name).toBeGreaterThanOrEqual(3);
      for (const c of charts) {
        const total = c.counts.reduce((a, b) => a + b, 0);
        expect(total, `${name}: chart ${c.id} draws no marks`).toBeGreaterThan(30);
      }
    }
  }, 120_000);

  it("draws the timelines with kernel events marked when the run has series", async () => {
    await open(files.get("demo-series")!.path);
    const ids = await page.evaluate(() => [...document.querySelectorAll("figure.chart")].map((f) => f.id));
    expect(ids).toEqual(
      expect.arrayContaining([
        "timeline-flow-goodputGbps",
        "timeline-link-utilization",
        "timeline-tlps",
        "timeline-partition-writeHitRate",
      ]),
    );
    const charts = await colourCounts(page, REVISION_COLORS.slice(0, 3));
    for (const c of charts)
      expect(
        c.counts.reduce((a, b) => a + b, 0),
        c.id,
      ).toBeGreaterThan(30);
    // Markers are drawn in dark grey on the plot: compare with the same chart without markers.
    const grey = await page.evaluate(() => {
      const canvas = document.querySelector("#timeline-flow-goodputGbps canvas")!;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let p = 0; p < data.length; p += 4)
        if (data[p]! < 110 && data[p + 1]! < 110 && data[p + 2]! < 110 && data[p + 3]! > 100) n++;
      return n;
    });
    expect(grey).toBeGreaterThan(200);
    await page.screenshot({ path: `${ARTIFACTS}demo-series-1280.png`, fullPage: true });
  }, 60_000);

  it("switches revisions: one revision's colour left in every chart, other revisions' cells hidden", async () => {
    const f = files.get("demo")!;
    await open(f.path);
    const all = await colourCounts(page, REVISION_COLORS.slice(0, 3));
    for (const [k, rev] of f.revisions.entries()) {
      await page.selectOption("#revision-switch", rev);
      const one = await colourCounts(page, REVISION_COLORS.slice(0, 3));
      for (const [i, c] of one.entries()) {
        for (const j of [0, 1, 2].filter((x) => x !== k))
          expect(c.counts[j], `${c.id} still shows ${f.revisions[j]}`).toBeLessThan(5);
        if (all[i]!.counts[k]! > 30) expect(c.counts[k], `${c.id} lost ${rev}`).toBeGreaterThan(30);
      }
      const hidden = await page.evaluate(
        (r) =>
          [...document.querySelectorAll("[data-rev]")].filter(
            (e) => e.hidden !== (e.getAttribute("data-rev") !== r),
          ).length,
        rev,
      );
      expect(hidden, "cells whose visibility disagrees with the switch").toBe(0);
      const visibleHeads = await page.$$eval("#kernel-calls thead th:not([hidden])", (ths) =>
        ths.map((t) => t.textContent),
      );
      expect(visibleHeads).toEqual(["at (ns)", "who", "call", rev]);
    }
    await page.selectOption("#revision-switch", "all");
    const back = await colourCounts(page, REVISION_COLORS.slice(0, 3));
    expect(back.map((c) => c.counts.map((x) => x > 30))).toEqual(all.map((c) => c.counts.map((x) => x > 30)));
  }, 60_000);

  it("fits 1280 px and 390 px wide, charts redrawn to the width; screenshots kept", async () => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await open(files.get("demo")!.path);
      const fit = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
        canvases: [...document.querySelectorAll("figure.chart canvas")].map(
          (c) => c.getBoundingClientRect().right,
        ),
      }));
      expect(fit.scroll, `page wider than ${width}`).toBeLessThanOrEqual(fit.inner);
      for (const right of fit.canvases) expect(right).toBeLessThanOrEqual(width);
      const charts = await colourCounts(page, REVISION_COLORS.slice(0, 3));
      for (const c of charts)
        expect(
          c.counts.reduce((a, b) => a + b, 0),
          `${c.id} at ${width}px`,
        ).toBeGreaterThan(30);
      await page.screenshot({ path: `${ARTIFACTS}demo-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);

  it("opens the review report, a failure's trace folded under its row", async () => {
    await open(`${ARTIFACTS}review.html`);
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    const details = page.locator("tr.trace details").first();
    expect(await details.locator("pre").isVisible()).toBe(false);
    await details.locator("summary").click();
    expect(await details.locator("pre").first().isVisible()).toBe(true);
    expect(await details.locator("pre").first().textContent()).toMatch(/^== \S+ on \S+: FAIL: /);
    await page.screenshot({ path: `${ARTIFACTS}review-1280.png` });
  }, 60_000);
});
