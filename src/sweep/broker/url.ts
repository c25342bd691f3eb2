/**
 * The broker address a user types (`--broker redis://HOST:PORT`), checked before any connection is
 * made so a typo is one clear line (exit 2), not a client retrying a wrong host forever.
 */
import { inputError } from "../../base/errors.js";

/** Where a Redis server is, as the connection options need it. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
  /** Redis logical database (the URL's path, `/2`); 0 by default. */
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** The URL without its password, for messages and logs. */
  readonly display: string;
}

export const DEFAULT_REDIS_PORT = 6379;

/**
 * Parse `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. `where` names the input in errors (a flag
 * such as `--broker`). Throws InputError naming what is wrong.
 */
export function parseBrokerUrl(text: string, where = "--broker"): BrokerAddress {
  const bad = (why: string) =>
    inputError(where, `${why}; expected redis://HOST:PORT (e.g. redis://127.0.0.1:6379)`, "broker-url");
  if (text.trim() === "") throw bad("empty broker URL");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw bad(`no 'redis://' in '${text}'`);
  if (scheme === "rediss") throw bad(`TLS (rediss://) is not supported, found '${text}'`);
  if (scheme !== "redis") throw bad(`unsupported scheme '${scheme}'`);
  // After the scheme and any user:password@: the host, then :port.
  const authority = text.slice("redis://".length).replace(/^[^@/]*@/, "");
  if (/^(?:[:/?#]|$)/.test(authority)) throw bad(`no host in '${text}'`);
  const port = portOf(authority, bad);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`'${text}' is not a URL`);
  }
  // A non-special scheme's host is kept as typed (case too); IPv6 keeps its brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (url.search !== "" || url.hash !== "") throw bad(`unexpected '${url.search || url.hash}' in '${text}'`);
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^(?:[0-9]|1[0-5])$/.test(path)) throw bad(`database '${path}' is not 0..15`);
  const username = url.username !== "" ? decodeURIComponent(url.username) : undefined;
  const password = url.password !== "" ? decodeURIComponent(url.password) : undefined;
  const shown = `redis://${username !== undefined || password !== undefined ? `${username ?? ""}:***@` : ""}`;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    db: path === "" ? 0 : Number(path),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    display: `${shown}${hostPart}:${port}${path === "" ? "" : `/${path}`}`,
  };
}

function portOf(authority: string, bad: (why: string) => Error): number {
  const typed = /^(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(authority)?.[1];
  if (typed === undefined) return DEFAULT_REDIS_PORT;
  const port = /^\d{1,5}$/.test(typed) ? Number(typed) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw bad(`port '${typed}' is not 1..65535`);
  return port;
}
