/**
 * The TLP-level trace: one record per TLP per place it passes, collected only when tracing is on
 * (off, the model pays one boolean test per stage). The walk computes future times, so records
 * are produced out of time order; records() sorts them by time, keeping production order for
 * equal times, which gives the whole ordered trace of a scenario.
 */
export type TraceEv = "send" | "link" | "sink" | "land" | "read" | "rx" | "lost";
export const TLP_KIND_NAMES = ["MWr", "MRd", "CplD"] as const;

export interface TlpTraceRecord {
  /** Picoseconds. For "link": serialization start; "sink": accepted by the ingress. */
  readonly t: number;
  readonly ev: TraceEv;
  /** Port, device or flow the record is about. */
  readonly where: string;
  readonly kind: (typeof TLP_KIND_NAMES)[number];
  readonly flow: string;
  readonly msg: number;
  /** TLP index inside its batch (-1 for whole-batch records). */
  readonly tlp: number;
  readonly bytes: number;
  /** TPH: ST when TH = 1, else absent. */
  readonly st?: number;
  readonly ph?: number;
  /** On "send": the tag differs from the one the owner publishes now (counted in tlps.stale). */
  readonly stale?: true;
}

export class Tracer {
  enabled: boolean;
  private readonly recs: TlpTraceRecord[] = [];

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  add(r: TlpTraceRecord): void {
    this.recs.push(r);
  }

  /** Every record, by time (stable). */
  records(): TlpTraceRecord[] {
    return this.recs
      .map((r, i) => [r, i] as const)
      .sort((x, y) => x[0].t - y[0].t || x[1] - y[1])
      .map(([r]) => r);
  }
}
