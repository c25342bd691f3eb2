/**
 * Reaching the broker. Redis clients retry a lost connection forever, which is right for a worker
 * that should outlive a Redis restart, and wrong for the first contact: a wrong host or a stopped
 * server must be one clear line within a bounded time. So both sides probe once, with no retries
 * and a deadline, before handing the address to BullMQ.
 */
import { Redis } from "ioredis";
import { inputError } from "../../base/errors.js";
import type { BrokerAddress } from "./url.js";

/** How long the first contact may take before the broker is declared unreachable. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface BrokerConnection {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly maxRetriesPerRequest: null;
  readonly retryStrategy: (times: number) => number;
}

/** Connection options for BullMQ's clients (it duplicates them for its blocking connections). */
export function connectionOptions(addr: BrokerAddress): BrokerConnection {
  return {
    host: addr.host,
    port: addr.port,
    db: addr.db,
    ...(addr.username !== undefined ? { username: addr.username } : {}),
    ...(addr.password !== undefined ? { password: addr.password } : {}),
    // BullMQ's blocking commands must never time out on the client side.
    maxRetriesPerRequest: null,
    // Reconnect after a lost connection, backing off to 2 s (BullMQ keeps its work in Redis).
    retryStrategy: (times: number) => Math.min(100 * times, 2_000),
  };
}

/** A one-shot client: no retries, no offline queue, a connect deadline. Caller disconnects it. */
function probeClient(addr: BrokerAddress, timeoutMs: number): Redis {
  return new Redis({
    ...connectionOptions(addr),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is redis-server running there?)",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

function why(e: unknown, timeoutMs: number): string {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? "";
  if (code === "ETIMEDOUT" || /timeout/i.test(String(err.message)))
    return `no answer within ${timeoutMs / 1000} s`;
  if (REASONS[code]) return `${REASONS[code]}: ${code}`;
  const msg = String(err.message ?? e);
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(msg)) return `authentication failed: ${msg}`;
  return msg;
}

/**
 * Check that a Redis server answers at `addr` (PING) within `timeoutMs`, and that it is one BullMQ
 * can use (Redis 5 or later). Throws InputError on `where` (the flag) naming the address and why.
 */
export async function probeBroker(
  addr: BrokerAddress,
  where = "--broker",
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<void> {
  const client = probeClient(addr, timeoutMs);
  // The socket's own error (ECONNREFUSED, ...) comes as an event; the awaited call only says "closed".
  let socketError: unknown;
  client.on("error", (e) => {
    socketError ??= e;
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" })), timeoutMs);
  });
  try {
    const info = await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
        return client.info("server");
      })(),
      deadline,
    ]);
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? "0");
    if (major < 5) {
      throw inputError(
        where,
        `Redis at ${addr.display} is version ${major}, BullMQ needs 5 or later`,
        "broker",
      );
    }
  } catch (e) {
    if ((e as Error).name === "InputError") throw e;
    const cause = socketError !== undefined && !(e as { code?: string }).code ? socketError : e;
    throw inputError(where, `cannot reach Redis at ${addr.display}: ${why(cause, timeoutMs)}`, "broker");
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
