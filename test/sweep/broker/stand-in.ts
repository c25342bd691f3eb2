/**
 * Points and a stand-in runPoint for the broker tests (the real runPoint is the sweep's): the
 * result is a pure function of the point, so a test knows each expected result without running
 * anything, and a run can be made slow to be caught mid-job.
 */
import { createHash } from "node:crypto";
import type { PointResult, SweepPoint } from "../../../src/sweep/types.js";

export const TEST_VERSION = "0.1.0-test";

/** `n` distinct points of `version`; `salt` keeps hashes apart between tests sharing a Redis. */
export function makePoints(n: number, salt: string, version = TEST_VERSION): SweepPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    hash: createHash("sha256").update(`${salt}/${i}/${version}`).digest("hex"),
    index: i,
    values: { "link.gen": 3 + (i % 3), "flows.write.size": 256 << (i % 4) },
    scenario: { name: `point ${i}` },
    revision: i % 2 === 0 ? "v11" : "proposed",
    seed: i,
    version,
    metrics: ["flows.write.goodputGbps", "bytes.misdirected"],
  }));
}

/** What the stand-in gives for `p`: metrics derived from its values and seed. */
export function expectedResult(p: SweepPoint): Omit<PointResult, "elapsedMs"> {
  const gen = p.values["link.gen"] as number;
  const size = p.values["flows.write.size"] as number;
  return {
    hash: p.hash,
    index: p.index,
    metrics: { "flows.write.goodputGbps": gen * 100 + size / 256, "bytes.misdirected": p.seed * 7 },
  };
}

/** A runPoint that takes `delayMs` (honouring the abort signal) and returns expectedResult. */
export function standInRunPoint(delayMs: number, ran: string[] = []) {
  return async (p: SweepPoint, signal: AbortSignal): Promise<PointResult> => {
    ran.push(p.hash);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, delayMs);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        reject(new Error("aborted"));
      });
    });
    return { ...expectedResult(p), elapsedMs: delayMs };
  };
}
