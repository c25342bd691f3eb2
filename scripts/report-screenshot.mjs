#!/usr/bin/env node
// The README's picture of the demo report: build first (npm run build), then
// `node scripts/report-screenshot.mjs [OUT.png]` runs `tphlab demo --report`, opens the page in
// Debian's chromium (/usr/bin/chromium) at 1280 px and keeps the timeline section's first charts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const out = process.argv[2] ?? "docs/report-demo.png";
const dir = mkdtempSync(join(tmpdir(), "tphlab-shot-"));
const html = join(dir, "demo.html");
execFileSync(process.execPath, ["dist/cli/bin.js", "demo", "--report", html], { stdio: ["ignore", "ignore", "inherit"] });
const context = await chromium.launchPersistentContext(join(dir, "profile"), {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  viewport: { width: 1280, height: 1500 },
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`file://${html}`);
await page.waitForFunction(() => document.querySelectorAll("figure.chart:not([data-drawn])").length === 0);
const top = await page.evaluate(() => document.querySelector("#timeline").getBoundingClientRect().top + window.scrollY);
await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: top - 10, width: 1280, height: 1350 } });
await context.close();
rmSync(dir, { recursive: true, force: true });
console.log(out);
