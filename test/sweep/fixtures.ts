/** A small base scenario and sweep files written into a scratch folder for the sweep tests. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planSweep, type SweepPlan } from "../../src/sweep/plan.js";

/** 20 us of Poisson writes (seeds matter) with a revoke and a new SET: stale tags on v11. */
export const TINY = `name: tiny
duration: 20us
link: { gen: 4, width: 16 }
buffers:
  - { name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }
mrs: [{ name: acc, buffer: hbm }]
flows:
  - { name: write, op: write, mr: acc, size: 4KiB, rate: 100Gb/s, arrival: poisson, length: 512KiB }
timeline:
  - { at: 8us, action: revoke, by: memory-disable }
  - { at: 10us, action: set-tph, buffer: hbm, st: 0x22, stExt: 0x5555, ph: 2, partition: 2 }
  - { at: 12us, action: unrevoke }
`;

export function scratch(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tphlab-sweep-"));
  writeFileSync(join(dir, "tiny.yaml"), TINY);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const readFile = (p: string) => readFileSync(p);

export function plan(dir: string, text: string, version = "0.0.0-test"): SweepPlan {
  const file = join(dir, "s.yaml");
  writeFileSync(file, text);
  return planSweep(text, file, { version, readFile });
}
