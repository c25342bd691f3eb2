/**
 * The layering rule of DEVELOPERS.md, enforced: every file under src/LAYER imports only from its
 * own layer or the layers below it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ORDER = ["base", "pcie", "sim", "hw", "kernel", "uapi", "scenario", "sweep", "report", "cli"] as const;
const SRC = resolve("src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function layerOf(path: string): number {
  const top = relative(SRC, path).split("/")[0]!;
  return ORDER.indexOf(top as (typeof ORDER)[number]);
}

describe("architecture", () => {
  it("every src file imports only from its own layer or below", () => {
    const bad: string[] = [];
    let seen = 0;
    for (const file of files(SRC)) {
      // The library entry points re-export every layer.
      if (["index.ts", "internal.ts"].includes(relative(SRC, file))) continue;
      const own = layerOf(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:import|export)[^"']*?from\s+["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = resolve(join(file, ".."), m[1]!);
        const layer = layerOf(target);
        seen++;
        if (layer > own) bad.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(seen).toBeGreaterThan(500); // the scan really reads the imports
    expect(bad).toEqual([]);
  });
});
