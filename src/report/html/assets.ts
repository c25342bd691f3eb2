/**
 * The chart library inlined into every report: uPlot's minified IIFE build and its stylesheet,
 * read from the installed package (a dependency), so a report needs no network to open.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface ChartAssets {
  readonly js: string;
  readonly css: string;
}

/** Read uPlot's files from node_modules (resolved from this module, wherever tphlab is installed). */
export function chartAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const css = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  return { js, css };
}
