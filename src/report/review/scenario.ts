/**
 * What a review check is and how its scenario states expectations.
 *
 * A check is a short program (C-like, through the userspace facade; or KUnit-like for in-kernel
 * APIs no syscall reaches) run on a freshly booted system of one revision. Its verdict comes only
 * from what it observes: return values and errno, mkey fields and TLP hints, kernel invariants,
 * lockdep reports. A scenario returns a one-line reason on success and throws `Mismatch` with a
 * one-line reason at the first unexpected observation. It never asks which revision it runs on.
 *
 * `kind: "info"` entries show documented behaviour that no revision fixes (series.md open problems
 * 3 and 6, the Root Port quirk): they report what they observe and are never pass or fail.
 */
import { ERRNO_NAME, errnoName } from "../../kernel/errno.js";
import type { InvariantName } from "../../kernel/invariants.js";
import type { RevisionName } from "../../kernel/revision.js";
import type { Libc } from "../../uapi/libc.js";
import { bootMachine, type Machine, type MachineOptions } from "./machine.js";

/** The first observation that differs from the expectation. */
export class Mismatch extends Error {
  override name = "Mismatch";
}

export interface Check {
  readonly id: string;
  readonly title: string;
  readonly kind: "check" | "info";
  /** Where the expected behaviour is stated (reference section or open problem). */
  readonly ref: string;
  /** The series.md open problem this check demonstrates, if any. */
  readonly openProblem?: number;
  /** Invariants the scenario breaks on purpose (e.g. a deliberate unlocked call for lockdep). */
  readonly expectBroken?: readonly InvariantName[];
  run(s: Scenario): string;
}

/** errno as its name ("EINVAL"), or the number. */
export function errnoStr(e: number): string {
  return ERRNO_NAME[e] ?? String(e);
}

/** A C return as shown in reasons: "-1 EINVAL" or the value. */
export function showC(ret: number, libc: Libc): string {
  return ret === -1 ? `-1 ${errnoStr(libc.errno)}` : String(ret);
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** One run of one check on one revision: the machines it booted, for invariants and traces. */
export class Scenario {
  readonly machines: Machine[] = [];
  constructor(readonly revision: RevisionName) {}

  /** Boot a system of the revision under test. */
  boot(o: MachineOptions = {}): Machine {
    const m = bootMachine(this.revision, o);
    this.machines.push(m);
    return m;
  }

  /** Fail with `why` unless `cond`. */
  expect(cond: boolean, why: string): void {
    if (!cond) throw new Mismatch(why);
  }

  /** A C call that must succeed (ret >= 0); returns ret. */
  ok(what: string, ret: number, libc: Libc): number {
    if (ret < 0) throw new Mismatch(`${what}: ${showC(ret, libc)}, expected success`);
    return ret;
  }

  /** A C call that must fail with -1 and errno `want` ("EINVAL"). */
  fails(what: string, ret: number, libc: Libc, want: string): void {
    if (ret !== -1 || errnoStr(libc.errno) !== want)
      throw new Mismatch(
        `${what}: ${ret === -1 ? showC(ret, libc) : `returned ${ret}`}, expected -1 ${want}`,
      );
  }

  /** A library call returning an object or NULL: the object. */
  some<T>(what: string, obj: T | null, libc: Libc): T {
    if (obj === null) throw new Mismatch(`${what}: NULL errno ${errnoStr(libc.errno)}, expected success`);
    return obj;
  }

  /** A library call that must return NULL with errno `want`. */
  none(what: string, obj: unknown, libc: Libc, want: string): void {
    if (obj !== null) throw new Mismatch(`${what}: succeeded, expected NULL errno ${want}`);
    if (errnoStr(libc.errno) !== want)
      throw new Mismatch(`${what}: NULL errno ${errnoStr(libc.errno)}, expected ${want}`);
  }

  /** A call returning 0 or an errno value (ibv_dealloc_*, ibv_dereg_mr): must be `want` (0 or "EBUSY"). */
  errval(what: string, ret: number, want: 0 | string): void {
    const got = ret === 0 ? 0 : errnoStr(ret);
    if (got !== want) throw new Mismatch(`${what}: returned ${got}, expected ${want}`);
  }

  /** An in-kernel call returning 0 or -errno: must be `want` (0 or "-EINVAL"). */
  kret(what: string, ret: number, want: string): void {
    if (errnoName(ret) !== want) throw new Mismatch(`${what}: returned ${errnoName(ret)}, expected ${want}`);
  }
}
