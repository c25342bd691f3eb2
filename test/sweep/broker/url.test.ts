/** Broker URLs: what is accepted, and the one line each mistake gets. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import { parseBrokerUrl } from "../../../src/sweep/broker/url.js";

const HINT = "; expected redis://HOST:PORT (e.g. redis://127.0.0.1:6379)";

describe("parseBrokerUrl", () => {
  it.each([
    ["redis://127.0.0.1:6380", { host: "127.0.0.1", port: 6380, db: 0, display: "redis://127.0.0.1:6380" }],
    ["redis://cache.lab", { host: "cache.lab", port: 6379, db: 0, display: "redis://cache.lab:6379" }],
    ["REDIS://Box:1/3", { host: "box", port: 1, db: 3, display: "redis://box:1/3" }],
    ["redis://[::1]:7000", { host: "::1", port: 7000, db: 0, display: "redis://[::1]:7000" }],
    [
      "redis://:s%40cret@h:6379/15",
      { host: "h", port: 6379, db: 15, password: "s@cret", display: "redis://:***@h:6379/15" },
    ],
    [
      "redis://ann:pw@h:65535",
      { host: "h", port: 65535, db: 0, username: "ann", password: "pw", display: "redis://ann:***@h:65535" },
    ],
  ])("accepts %s", (text, want) => {
    expect(parseBrokerUrl(text)).toEqual(want);
  });

  it.each([
    ["", "empty broker URL"],
    ["127.0.0.1:6379", "no 'redis://' in '127.0.0.1:6379'"],
    ["localhost:6379", "no 'redis://' in 'localhost:6379'"],
    ["http://h:1", "unsupported scheme 'http'"],
    ["rediss://h:1", "TLS (rediss://) is not supported, found 'rediss://h:1'"],
    ["redis://h:0", "port '0' is not 1..65535"],
    ["redis://h:65536", "port '65536' is not 1..65535"],
    ["redis://h:63a", "port '63a' is not 1..65535"],
    ["redis://h:", "port '' is not 1..65535"],
    ["redis://:1", "no host in 'redis://:1'"],
    ["redis://h:1/16", "database '16' is not 0..15"],
    ["redis://h:1/x", "database 'x' is not 0..15"],
    ["redis://h:1?db=2", "unexpected '?db=2' in 'redis://h:1?db=2'"],
  ])("refuses %j: %s", (text, why) => {
    const e = (() => {
      try {
        parseBrokerUrl(text, "--broker");
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(`--broker: ${why}${HINT}`);
  });
});
