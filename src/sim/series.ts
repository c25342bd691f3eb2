/**
 * Time series of a run, as the sampler produces them and the reports and traces read them
 * (issue 11). Generic: a track is a named column of numbers on the series' time axis; what a
 * track means is in its key and metadata, so reports group tracks without knowing the model.
 *
 * Track keys are `${group}.${subject}.${metric}`, e.g. `flow.write.goodputGbps`,
 * `link.sw0-acc0.up.utilization` (subject = link name + direction), `partition.acc0/1.writeHits`,
 * `tlps.all.stale`, `consumer.write.backlogBytes`, `bytes.all.misdirected`.
 */

/** What the groups hold; a report draws one chart per (group, metric). */
export type TrackGroup = "flow" | "link" | "partition" | "tlps" | "consumer" | "bytes";
export type TrackUnit = "Gb/s" | "ns" | "ratio" | "count" | "bytes";
/**
 * How a track's samples combine: "sum" samples are per-interval amounts whose sum over the run
 * equals the end-of-run total (the invariant the tests check); "mean"/"max" are per-interval
 * statistics; "last" is a level read at the end of each interval.
 */
export type TrackAgg = "sum" | "mean" | "max" | "last";

export interface Track {
  readonly group: TrackGroup;
  /** The flow, link (with direction), partition or device the track is about. */
  readonly subject: string;
  readonly metric: string;
  readonly unit: TrackUnit;
  readonly agg: TrackAgg;
  /** One value per sample; null where the interval has no data (e.g. no latency sample). */
  readonly values: readonly (number | null)[];
}

export interface Series {
  /** The sampling interval after any coarsening (ns). */
  readonly intervalNs: number;
  /** The end time of each sample (ns); the last one may be shorter than intervalNs. */
  readonly t: readonly number[];
  /** Keyed by `${group}.${subject}.${metric}`. */
  readonly tracks: Readonly<Record<string, Track>>;
}

/** A kernel or timeline event as a timestamped marker (revoke, un-revoke, SET, page fault, ...). */
export interface RunEvent {
  readonly atNs: number;
  /** The accelerator's owner, the RDMA application, the NIC's page-fault path, or the timeline. */
  readonly who: string;
  /** The call (e.g. "ioctl(VFIO_DEVICE_FEATURE DMA_BUF_TPH SET)") or the timeline action. */
  readonly call: string;
  /** Short category for markers: revoke, unrevoke, set-tph, page-fault, re-register, setup, ... */
  readonly kind: string;
  /** As the kernel returns it: >= 0, or -errno; absent for a timeline action itself. */
  readonly ret?: number;
  readonly args?: Readonly<Record<string, string | number | boolean>>;
}
