/**
 * Revisions of the series "Retrieve TPH from dma-buf for PCIe P2P memory access" as named behaviours.
 * This is the ONE place a revision is switched: code asks `k.b.someFlag`, never the revision name.
 *
 * - mainline: Linux before the series (CPU steering tags through a DMAH only).
 * - rfc: the first form (9 Feb 2026).
 * - v11: the latest posting (July 2026).
 * - proposed: v11 with the open problems of series.md fixed, as this model proposes.
 */

export const REVISION_NAMES = ["mainline", "rfc", "v11", "proposed"] as const;
export type RevisionName = (typeof REVISION_NAMES)[number];

export interface Behaviours {
  /**
   * The dma-buf exporter op that carries a tag: none (mainline); rfc `get_tph(dmabuf, &st, &ph)`;
   * v11/proposed `get_pci_tph(dmabuf, extended, &st, &ph)` under the reservation lock.
   */
  readonly dmaBufTph: "none" | "rfc-get-tph" | "get-pci-tph";
  /** vfio_device_feature_dma_buf layout: rfc inserts `__u16 steering_tag; __u8 ph;` after open_flags. */
  readonly vfioDmaBufLayout: "mainline" | "rfc";
  /** VFIO_DEVICE_FEATURE_DMA_BUF_TPH (13) exists (v11, proposed). */
  readonly vfioDmaBufTphFeature: boolean;
  /** rfc exporter returns 0 even when no tag was given (st=0, ph=0); review asked for an error. */
  readonly rfcGetTphAlwaysOk: boolean;
  /** rfc looks the fd up again (time-of-check/time-of-use); v11 uses the umem's own dma-buf. */
  readonly mlx5DmabufLookup: "fd-again" | "umem";
  /**
   * rfc writes the raw tag into the mkey ST index field (direct mode only); v11 maps it
   * (direct: the tag; table: an index allocated by tag, refcounted).
   */
  readonly mlx5StMapping: "raw-tag-as-index" | "direct-or-table";
  /**
   * Open problem 2: v11 picks the 8/16-bit namespace from the NIC's requester type (negotiated
   * against the Root Port); proposed uses min(NIC requester type, exporting peer's completer type).
   */
  readonly mlx5NamespaceFrom: "nic-req-type" | "peer-completer";
  /** Open problem 1: proposed re-queries get_pci_tph at re-map after invalidate_mappings; v11 keeps the old tag. */
  readonly mlx5RequeryAfterInvalidate: boolean;
  /**
   * Open problem 4: a tag > 0xff in direct mode is truncated into the 8-bit mkey field (v11), or
   * rejected (proposed: no TPH plus a trace event "mlx5_st_tag_too_wide").
   */
  readonly mlx5Direct16BitTag: "truncate" | "reject";
  /** Open problem 5: the last dealloc frees the ST index but leaks its bookkeeping entry (fixed in proposed). */
  readonly mlx5StBookkeepingLeak: boolean;
  /**
   * The requester-type negotiation quirk (linux-tph-stack.md section 1, step 6): a Root Port
   * reporting the reserved TPH Completer value 2 lets 2 through to Requester Enable. A follow-up
   * patch folds 2 into "none"; only "proposed" carries that fix.
   */
  readonly tphReservedCompleter: "pass-through" | "fold-to-none";
}

const MAINLINE: Behaviours = {
  dmaBufTph: "none",
  vfioDmaBufLayout: "mainline",
  vfioDmaBufTphFeature: false,
  rfcGetTphAlwaysOk: false,
  mlx5DmabufLookup: "umem",
  mlx5StMapping: "direct-or-table",
  mlx5NamespaceFrom: "nic-req-type",
  mlx5RequeryAfterInvalidate: false,
  mlx5Direct16BitTag: "truncate",
  mlx5StBookkeepingLeak: true,
  tphReservedCompleter: "pass-through",
};

export const REVISIONS: Readonly<Record<RevisionName, Behaviours>> = {
  mainline: MAINLINE,
  rfc: {
    ...MAINLINE,
    dmaBufTph: "rfc-get-tph",
    vfioDmaBufLayout: "rfc",
    rfcGetTphAlwaysOk: true,
    mlx5DmabufLookup: "fd-again",
    mlx5StMapping: "raw-tag-as-index",
  },
  v11: {
    ...MAINLINE,
    dmaBufTph: "get-pci-tph",
    vfioDmaBufTphFeature: true,
  },
  proposed: {
    ...MAINLINE,
    dmaBufTph: "get-pci-tph",
    vfioDmaBufTphFeature: true,
    mlx5NamespaceFrom: "peer-completer",
    mlx5RequeryAfterInvalidate: true,
    mlx5Direct16BitTag: "reject",
    mlx5StBookkeepingLeak: false,
    tphReservedCompleter: "fold-to-none",
  },
};

/** True when `name` is a known revision (for validating user input). */
export function isRevisionName(name: string): name is RevisionName {
  return (REVISION_NAMES as readonly string[]).includes(name);
}
