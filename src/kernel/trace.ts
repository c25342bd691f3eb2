/**
 * The kernel event log, in the spirit of ftrace: one event per modelled kernel call saying what it
 * did (function, device, values, result). Tests read `events()`; the CLI prints `format(ev)` lines.
 *
 * Line format (deterministic): `fn: dev=0000:03:00.0 key=value ... ret=-EINVAL note="..."`.
 * Numbers print in decimal; bigints in hex (`0x...`); strings as given (quoted when they hold a space
 * or are empty); booleans as 1/0 like the kernel's %d of a bool. `ret` prints as errnoName().
 */
import { errnoName } from "./errno.js";

export type TraceValue = number | string | boolean | bigint;

export interface TraceEvent {
  /** Position in the log, from 1; strictly increasing. */
  readonly seq: number;
  /** The C function (or tracepoint) name, e.g. "pcie_enable_tph"; "lockdep" for lock violations. */
  readonly fn: string;
  readonly dev?: string;
  readonly args?: Readonly<Record<string, TraceValue>>;
  readonly ret?: number;
  readonly note?: string;
}

/** What a caller gives to emit(): everything but the sequence number and name. */
export type TraceFields = Omit<TraceEvent, "seq" | "fn">;

export class TraceLog {
  private readonly log: TraceEvent[] = [];
  private nextSeq = 1;

  /** Record one event. */
  emit(fn: string, fields: TraceFields = {}): void {
    this.log.push({ seq: this.nextSeq++, fn, ...fields });
  }

  /** Record one event and hand back its return value: `return k.trace.ret("fn", {...}, -EINVAL)`. */
  ret(fn: string, fields: Omit<TraceFields, "ret">, ret: number): number {
    this.emit(fn, { ...fields, ret });
    return ret;
  }

  /** Every event so far, oldest first; optionally only those of one function. */
  events(fn?: string): readonly TraceEvent[] {
    return fn === undefined ? this.log.slice() : this.log.filter((e) => e.fn === fn);
  }

  /** The most recent event of `fn`, if any. */
  last(fn: string): TraceEvent | undefined {
    for (let i = this.log.length - 1; i >= 0; i--) if (this.log[i]!.fn === fn) return this.log[i];
    return undefined;
  }

  /** Forget every event (sequence numbers keep counting so a later dump is never ambiguous). */
  clear(): void {
    this.log.length = 0;
  }

  /** One ftrace-like line for `ev`. */
  format(ev: TraceEvent): string {
    const parts: string[] = [];
    if (ev.dev !== undefined) parts.push(`dev=${ev.dev}`);
    for (const [key, value] of Object.entries(ev.args ?? {})) parts.push(`${key}=${formatValue(value)}`);
    if (ev.ret !== undefined) parts.push(`ret=${errnoName(ev.ret)}`);
    if (ev.note !== undefined) parts.push(`note=${JSON.stringify(ev.note)}`);
    return parts.length === 0 ? `${ev.fn}:` : `${ev.fn}: ${parts.join(" ")}`;
  }

  /** Every event as lines, each prefixed by its sequence number: `   3 pcie_enable_tph: ...`. */
  dump(events: readonly TraceEvent[] = this.log): string {
    return events.map((e) => `${String(e.seq).padStart(4)} ${this.format(e)}\n`).join("");
  }
}

function formatValue(value: TraceValue): string {
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "string") return value === "" || /\s|"/.test(value) ? JSON.stringify(value) : value;
  return String(value);
}

/** `0x1f`-style hex for trace values that the kernel prints with %#x. */
export function traceHex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
