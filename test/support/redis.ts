/**
 * A Redis server for the broker tests. CI (`.ci/run`) starts one and exports its URL as
 * TPHLAB_TEST_REDIS; in CI a missing URL fails the tests instead of skipping them. Elsewhere, when
 * `redis-server` is installed, a test file starts its own on a free loopback port (no disk
 * persistence) and stops it after; without it the tests are skipped, saying so.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; free again when this returns). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function startRedisServer(): Promise<TestRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const check = () => {
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  // Whatever happens to the test run, the server goes with it.
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on port ${port}:\n${out}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        process.off("exit", kill);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The test Redis, or why there is none (the reason goes into the skipped tests' names). */
export async function testRedis(env = process.env): Promise<TestRedis | { readonly reason: string }> {
  const given = env.TPHLAB_TEST_REDIS;
  if (given) return { url: given, stop: async () => {} };
  if (env.CI === "true") {
    throw new Error(
      "CI=true but TPHLAB_TEST_REDIS is not set: .ci/run starts redis-server and exports its URL",
    );
  }
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    return { reason: "needs redis-server or TPHLAB_TEST_REDIS" };
  }
  return startRedisServer();
}

/** A queue name no other test uses. */
export function freshQueue(label: string): string {
  return `tphlab-test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Delete every key of a queue (BullMQ's default "bull" prefix). */
export async function dropQueue(url: string, queue: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const keys = await client.keys(`bull:${queue}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}
