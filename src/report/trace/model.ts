/**
 * A run's trace in a format-neutral shape: tracks (grouped under one root per revision) and
 * timestamped events on them. The Perfetto and Chrome JSON writers only serialise this model, so
 * both formats show the same tracks, slices, counters, kernel calls and flows.
 */

/** Argument values as both formats carry them. */
export type TraceArgs = Readonly<Record<string, string | number | boolean>>;

export type TrackKind = "root" | "slices" | "counter";

export interface TraceTrack {
  /** Unique, non-zero; stable for the same run. */
  readonly uuid: number;
  readonly name: string;
  readonly kind: TrackKind;
  /** The revision's root track (absent on roots). */
  readonly parent?: number;
  /** Index of the revision the track belongs to (Chrome JSON pid - 1). */
  readonly revision: number;
}

interface EventBase {
  readonly track: number;
  /** Picoseconds of simulated time. */
  readonly tsPs: number;
}

export interface SliceEvent extends EventBase {
  readonly type: "slice";
  readonly durPs: number;
  readonly name: string;
  readonly category: string;
  readonly args: TraceArgs;
  /** Flow arrows through this event (a message and its TLPs share one id). */
  readonly flows?: readonly number[];
}

export interface InstantEvent extends EventBase {
  readonly type: "instant";
  readonly name: string;
  readonly category: string;
  readonly args: TraceArgs;
  readonly flows?: readonly number[];
}

export interface CounterEvent extends EventBase {
  readonly type: "counter";
  readonly value: number;
}

export type TraceEvent = SliceEvent | InstantEvent | CounterEvent;

export interface TraceModel {
  readonly revisions: readonly string[];
  readonly tracks: readonly TraceTrack[];
  /** Sorted by time (stable). */
  readonly events: readonly TraceEvent[];
  /** Events left out by the cap (0: nothing left out). */
  readonly dropped: number;
}

/** Hands out track uuids in order of first use, one root per revision. */
export class TrackTable {
  readonly tracks: TraceTrack[] = [];
  private readonly byKey = new Map<string, number>();

  /** The uuid of the track `name` under revision `rev` (created on first use). */
  get(rev: number, revName: string, name: string, kind: Exclude<TrackKind, "root">): number {
    const root = this.root(rev, revName);
    const key = `${rev}\u0000${name}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const uuid = this.tracks.length + 1;
    this.tracks.push({ uuid, name, kind, parent: root, revision: rev });
    this.byKey.set(key, uuid);
    return uuid;
  }

  private root(rev: number, revName: string): number {
    const key = `${rev}\u0000`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const uuid = this.tracks.length + 1;
    this.tracks.push({ uuid, name: `revision ${revName}`, kind: "root", revision: rev });
    this.byKey.set(key, uuid);
    return uuid;
  }
}
