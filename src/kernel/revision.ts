/**
 * Revisions of the series "Retrieve TPH from dma-buf for PCIe P2P memory access" as named behaviours.
 * This is the ONE place a revision is switched: code asks `k.b.someFlag`, never the revision name.
 *
 * - mainline: Linux before the series (CPU steering tags through a DMAH only).
 * - rfc: the first form (9 Feb 2026).
 * - v11: the latest posting (July 2026).
 * - proposed: v11 with every fix of FIXES applied (the open problems of series.md closed).
 *
 * A revision spec names a base and optional fixes: `v11+requery-after-invalidate+retract-on-set`.
 * parseRevisionSpec() is the one parser (CLI flags, scenario files, bootKernel all call it).
 */

import { ModelError } from "../base/errors.js";

export const REVISION_NAMES = ["mainline", "rfc", "v11", "proposed"] as const;
export type RevisionBase = (typeof REVISION_NAMES)[number];
/** A base revision, or a base with fixes ("v11+requery-after-invalidate"); see parseRevisionSpec(). */
export type RevisionName = RevisionBase | `${RevisionBase}+${string}`;

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
   * v6+ (the series' mlx5_st_get_index()): an MR registered with a CPU-bound DMAH takes its own
   * ST-table reference for the MR's life, dropped at mkey cleanup. Mainline and rfc take none.
   */
  readonly mlx5MrDmahStRef: boolean;
  /**
   * Open problem 2: v11 picks the 8/16-bit namespace from the NIC's requester type (negotiated
   * against the Root Port); proposed uses min(NIC requester type, exporting peer's completer type).
   */
  readonly mlx5NamespaceFrom: "nic-req-type" | "peer-completer";
  /** Open problem 1: proposed re-queries get_pci_tph at re-map after invalidate_mappings; v11 keeps the old tag. */
  readonly mlx5RequeryAfterInvalidate: boolean;
  /**
   * At a re-query, release the MR's old ST index before allocating the new tag's (or keep it when
   * the tag is unchanged), so a full table does not turn the re-query into "no TPH".
   */
  readonly mlx5RequeryReleaseFirst: boolean;
  /**
   * Open problem 3 (retraction): a SET on a buffer importers have mapped invalidates their
   * mappings, so the next fault re-queries (with mlx5RequeryAfterInvalidate) instead of keeping
   * the old tag.
   */
  readonly vfioSetTphRetracts: boolean;
  /**
   * Open problem 3 (validation): a SET whose tag lies outside what the exporting device declares
   * (its highest 8-bit and 16-bit steering tags) is refused with -EINVAL.
   */
  readonly vfioSetTphValidates: boolean;
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

/** A named change on top of a base revision: what a reviewer can switch on alone. */
export interface Fix {
  readonly name: string;
  /** One line: what the fix changes. */
  readonly description: string;
  /** The series.md open problem it addresses, if any. */
  readonly openProblem?: number;
  readonly set: Partial<Behaviours>;
}

/** Every fix `proposed` carries over v11, in the order canonical names list them. */
export const FIXES: readonly Fix[] = [
  {
    name: "requery-after-invalidate",
    description: "mlx5 asks get_pci_tph again when it re-maps after invalidate_mappings",
    openProblem: 1,
    set: { mlx5RequeryAfterInvalidate: true },
  },
  {
    name: "requery-release-first",
    description: "a re-query keeps an unchanged tag's ST index and releases the old one before allocating",
    set: { mlx5RequeryReleaseFirst: true },
  },
  {
    name: "namespace-from-peer",
    description: "mlx5 asks for the 8/16-bit namespace the exporting peer completes, not the Root Port's",
    openProblem: 2,
    set: { mlx5NamespaceFrom: "peer-completer" },
  },
  {
    name: "retract-on-set",
    description: "a SET on a mapped dma-buf invalidates importers, so they re-query at the next fault",
    openProblem: 3,
    set: { vfioSetTphRetracts: true },
  },
  {
    name: "validate-tag",
    description: "a SET with a tag above what the exporting device declares fails with -EINVAL",
    openProblem: 3,
    set: { vfioSetTphValidates: true },
  },
  {
    name: "reject-wide-direct-tag",
    description: "in direct mode a tag wider than the 8-bit mkey field gives no TPH instead of truncating",
    openProblem: 4,
    set: { mlx5Direct16BitTag: "reject" },
  },
  {
    name: "st-bookkeeping-free",
    description: "the last mlx5_st_dealloc_index() frees the index's bookkeeping entry",
    openProblem: 5,
    set: { mlx5StBookkeepingLeak: false },
  },
  {
    name: "fold-reserved-completer",
    description: "a Root Port's reserved TPH Completer value 2 counts as none when negotiating",
    set: { tphReservedCompleter: "fold-to-none" },
  },
];

const MAINLINE: Behaviours = {
  dmaBufTph: "none",
  vfioDmaBufLayout: "mainline",
  vfioDmaBufTphFeature: false,
  rfcGetTphAlwaysOk: false,
  mlx5DmabufLookup: "umem",
  mlx5StMapping: "direct-or-table",
  mlx5MrDmahStRef: false,
  mlx5NamespaceFrom: "nic-req-type",
  mlx5RequeryAfterInvalidate: false,
  mlx5RequeryReleaseFirst: false,
  vfioSetTphRetracts: false,
  vfioSetTphValidates: false,
  mlx5Direct16BitTag: "truncate",
  mlx5StBookkeepingLeak: true,
  tphReservedCompleter: "pass-through",
};

const V11: Behaviours = {
  ...MAINLINE,
  dmaBufTph: "get-pci-tph",
  vfioDmaBufTphFeature: true,
  mlx5MrDmahStRef: true,
};

function applyFixes(base: Behaviours, fixes: readonly Fix[]): Behaviours {
  return Object.assign({}, base, ...fixes.map((f) => f.set)) as Behaviours;
}

export const REVISIONS: Readonly<Record<RevisionBase, Behaviours>> = {
  mainline: MAINLINE,
  rfc: {
    ...MAINLINE,
    dmaBufTph: "rfc-get-tph",
    vfioDmaBufLayout: "rfc",
    rfcGetTphAlwaysOk: true,
    mlx5DmabufLookup: "fd-again",
    mlx5StMapping: "raw-tag-as-index",
  },
  v11: V11,
  proposed: applyFixes(V11, FIXES),
};

/** A resolved revision spec. */
export interface ResolvedRevision {
  /** Canonical spelling: the base, then the fixes in FIXES order ("v11+requery-after-invalidate"). */
  readonly name: RevisionName;
  readonly base: RevisionBase;
  readonly fixes: readonly Fix[];
  readonly behaviours: Behaviours;
}

export type RevisionSpecResult =
  | ({ readonly ok: true } & ResolvedRevision)
  | { readonly ok: false; readonly issues: readonly string[] };

const KNOWN_BASES = `known revisions: ${REVISION_NAMES.join(", ")}`;
const KNOWN_FIXES = `known fixes: ${FIXES.map((f) => f.name).join(", ")}`;

/**
 * Parse `BASE[+FIX...]` (e.g. "v11+requery-after-invalidate"): a known base, then known fix names,
 * each at most once. Returns the canonical name and the behaviours, or every issue found.
 */
export function parseRevisionSpec(text: string): RevisionSpecResult {
  const [baseText = "", ...fixTexts] = text.trim().split("+");
  const issues: string[] = [];
  const base = REVISION_NAMES.find((r) => r === baseText);
  if (!base) issues.push(`unknown revision '${baseText}' (${KNOWN_BASES})`);
  const seen = new Set<string>();
  for (const t of fixTexts) {
    if (!FIXES.some((f) => f.name === t)) issues.push(`unknown fix '${t}' (${KNOWN_FIXES})`);
    else if (seen.has(t)) issues.push(`fix '${t}' given twice`);
    seen.add(t);
  }
  if (!base || issues.length) return { ok: false, issues };
  const fixes = FIXES.filter((f) => seen.has(f.name));
  const name = [base, ...fixes.map((f) => f.name)].join("+") as RevisionName;
  return { ok: true, name, base, fixes, behaviours: applyFixes(REVISIONS[base], fixes) };
}

/** True when `name` is a valid revision spec (for validating user input). */
export function isRevisionName(name: string): name is RevisionName {
  return parseRevisionSpec(name).ok;
}

/** The behaviours of a spec already validated (a bad one here is a model bug). */
export function revisionBehaviours(name: RevisionName): Behaviours {
  const r = parseRevisionSpec(name);
  if (!r.ok) throw new ModelError(`invalid revision spec ${JSON.stringify(name)}: ${r.issues.join("; ")}`);
  return r.behaviours;
}

/** `v11` plus one fix, for every fix: the single-fix revisions reviewers ask about. */
export function singleFixRevisions(base: RevisionBase = "v11"): RevisionName[] {
  return FIXES.map((f) => `${base}+${f.name}` as RevisionName);
}

/** Revisions in display order: by base (mainline, rfc, v11, proposed), then fewer fixes first, then name. */
export function sortRevisions(names: readonly RevisionName[]): RevisionName[] {
  const key = (n: RevisionName) => {
    const [base = "", ...fixes] = n.split("+");
    return { base: REVISION_NAMES.indexOf(base as RevisionBase), fixes: fixes.length };
  };
  return [...names].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.base - kb.base || ka.fixes - kb.fixes || (a < b ? -1 : a > b ? 1 : 0);
  });
}
