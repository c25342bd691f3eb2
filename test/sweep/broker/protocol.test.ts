/** What crosses Redis: refusals parsed back, job data and results checked, never trusted. */
import { describe, expect, it } from "vitest";
import { Gathering } from "../../../src/sweep/broker/gather.js";
import {
  acceptResult,
  checkQueueName,
  parseVersionSkew,
  pointProblem,
  versionSkewReason,
} from "../../../src/sweep/broker/protocol.js";
import type { PointResult } from "../../../src/sweep/types.js";
import { expectedResult, makePoints } from "./stand-in.js";

const [p0, p1, p2] = makePoints(3, "protocol");

describe("version skew reason", () => {
  it("round-trips both versions, and nothing else parses as skew", () => {
    const reason = versionSkewReason("0.1.0", "0.2.0-rc.1");
    expect(reason).toBe(
      "tphlab version skew: the point was planned by tphlab 0.1.0, this worker runs tphlab 0.2.0-rc.1",
    );
    expect(parseVersionSkew(reason)).toEqual({ submitter: "0.1.0", worker: "0.2.0-rc.1" });
    expect(parseVersionSkew("job stalled more than allowable limit")).toBeUndefined();
    expect(parseVersionSkew(`x ${reason}`)).toBeUndefined();
  });
});

describe("job data", () => {
  it("a point is accepted; each missing or wrong field is named", () => {
    expect(pointProblem(p0)).toBeUndefined();
    expect(pointProblem(null)).toBe("job data is not an object");
    expect(pointProblem([])).toBe("job data is not an object");
    expect(pointProblem({ ...p0, hash: "" })).toBe("job data has no valid 'hash'");
    expect(pointProblem({ ...p0, index: -1 })).toBe("job data has no valid 'index'");
    expect(pointProblem({ ...p0, seed: 1.5 })).toBe("job data has no valid 'seed'");
    expect(pointProblem({ ...p0, version: 1 })).toBe("job data has no valid 'version'");
    expect(pointProblem({ ...p0, metrics: ["a", 2] })).toBe("job data has no valid 'metrics'");
    const { scenario: _, ...noScenario } = p0!;
    expect(pointProblem(noScenario)).toBe("job data has no 'scenario'");
  });

  it("queue names BullMQ can key (no ':')", () => {
    expect(checkQueueName("tphlab-sweep.v2_a")).toBe("tphlab-sweep.v2_a");
    for (const bad of ["", "a:b", "-x", "a b", "x".repeat(101)]) {
      expect(() => checkQueueName(bad)).toThrow(/^--queue: queue name must be 1-100 of/);
    }
  });
});

describe("results from Redis", () => {
  const good = { ...expectedResult(p0!), elapsedMs: 12 };

  it("takes identity from the point, metrics and timing from the reply", () => {
    expect(acceptResult(p0!, { ...good, index: 99 })).toEqual(good);
    expect(acceptResult(p0!, { ...good, error: "kernel refused VFIO_DEVICE_FEATURE" })).toEqual({
      ...good,
      error: "kernel refused VFIO_DEVICE_FEATURE",
    });
    expect(acceptResult(p0!, { ...good, elapsedMs: -3 }).elapsedMs).toBe(0);
    // The run's whole result rides along for the sweep's store.
    const result = { flows: { write: { goodputGbps: 1 } } };
    expect(acceptResult(p0!, { ...good, result })).toEqual({ ...good, result });
  });

  it.each([
    ["a string", "not an object"],
    [{ ...expectedResult(p1!), elapsedMs: 1 }, `hash '${p1!.hash}' is not the job's`],
    [{ hash: p0!.hash }, "no metrics"],
    [{ hash: p0!.hash, metrics: { a: "1" } }, "metric 'a' is not a number"],
    [{ hash: p0!.hash, metrics: {}, error: 5 }, "error is not a string"],
  ])("a malformed reply becomes an error result: %j", (value, why) => {
    expect(acceptResult(p0!, value)).toEqual({
      hash: p0!.hash,
      index: 0,
      metrics: { "flows.write.goodputGbps": null, "bytes.misdirected": null },
      error: `worker returned a malformed result: ${why}`,
      elapsedMs: 0,
    });
  });
});

describe("gathering", () => {
  const make = () => {
    const got: PointResult[] = [];
    const g = new Gathering(
      [p0!, p1!, p0!, p2!],
      (r) => got.push(r),
      (why) => (why.startsWith("skew") ? new Error(why) : undefined),
    );
    return { g, got };
  };
  const value = (p: typeof p0) => ({ ...expectedResult(p!), elapsedMs: 1 });

  it("hands each hash on once, whatever repeats, and settles when all are in", async () => {
    const { g, got } = make();
    expect(g.outstanding()).toEqual([p0!.hash, p1!.hash, p2!.hash]);
    g.completed(p1!.hash, value(p1));
    g.completed(p1!.hash, value(p1));
    g.failed(p1!.hash, "late failure of a job that already completed");
    g.completed("not-ours", value(p1));
    expect(g.settled()).toBe(false);
    const waiting = g.wait(60_000, async () => {});
    g.completed(p0!.hash, value(p0));
    g.failed(p2!.hash, "job stalled more than allowable limit");
    await waiting;
    expect(got.map((r) => r.hash)).toEqual([p1!.hash, p0!.hash, p2!.hash]);
    expect(got[2]!.error).toBe("worker failed: job stalled more than allowable limit");
  });

  it("a refusal ends the run with its error; later news is ignored", async () => {
    const { g, got } = make();
    g.failed(p0!.hash, "skew: 1 vs 2");
    g.completed(p1!.hash, value(p1));
    await expect(g.wait(10, async () => {})).rejects.toThrow("skew: 1 vs 2");
    expect(got).toEqual([]);
  });

  it("looks outstanding jobs up after a quiet spell, and not while news keeps coming", async () => {
    const { g } = make();
    let lookUps = 0;
    await g.wait(20, async () => {
      lookUps++;
      if (lookUps === 1) g.completed(p0!.hash, value(p0));
      if (lookUps === 2) g.completed(p1!.hash, value(p1));
      if (lookUps === 3) g.completed(p2!.hash, value(p2));
    });
    expect(lookUps).toBe(3);
  });

  it("an abort ends the wait without an error, and nothing more is handed on", async () => {
    const { g, got } = make();
    g.completed(p0!.hash, value(p0));
    const waiting = g.wait(60_000, async () => {});
    g.abort();
    await waiting;
    g.completed(p1!.hash, value(p1));
    expect(got.map((r) => r.hash)).toEqual([p0!.hash]);
    expect(g.outstanding()).toEqual([p1!.hash, p2!.hash]);
  });

  it("onResult throwing (a full disk) ends the run with that error", async () => {
    const g = new Gathering(
      [p0!, p1!],
      () => {
        throw new Error("SQLITE_FULL");
      },
      () => undefined,
    );
    g.completed(p0!.hash, value(p0));
    await expect(g.wait(10, async () => {})).rejects.toThrow("SQLITE_FULL");
  });
});
