/**
 * Data Link Layer pacing tables used by the analytic link model (./link.ts): how often a receiver
 * must send an Ack DLLP and an UpdateFC DLLP, in symbol times, by data rate, Link width and Max
 * Payload Size. The model treats one symbol time on the Link as one byte of Link capacity, as
 * pcie-bench does (Neugebauer et al., "Understanding PCIe performance for end host networking",
 * SIGCOMM 2018; github.com/pcie-bench/pcie-model, model/pcie.py).
 *
 * Sources:
 * - AckLimit: PCIe Base Spec 5.0 Tables 3-7 (2.5 GT/s), 3-8 (5.0 GT/s), 3-9 (8.0 GT/s and higher),
 *   "Maximum Ack Latency Limits" (numbered 3-10..3-12 in Base Spec 6.x, which drops x12 and x32).
 * - UpdateFC interval: PCIe Base Spec 5.0 Tables 2-46 (2.5 GT/s), 2-47 (5.0 GT/s), 2-48 (8.0 GT/s
 *   and higher), "UpdateFC Transmission Latency Guidelines". The spec lists the same values as the
 *   AckLimit tables, so one table per rate serves both (UPDATE_FC_INTERVAL below).
 *
 * Every cell follows the spec's formula
 *   floor((MPS + TLPOverhead) * Factor / width + InternalDelay),
 * TLPOverhead = 28 symbols, InternalDelay = 19 (2.5 GT/s), 70 (5.0 GT/s), 115 (8.0 GT/s and higher),
 * Factor (AckFactor = UpdateFactor) by MPS/width: 1.4 for MPS 128-256 at x1-x4; 2.5 at x8 for MPS
 * 128-256; 3.0 at x12-x32 for MPS 128-256; 1.0 for MPS >= 512 up to x8; 2.0 for MPS >= 512 at x12-x32.
 * test/pcie/link-tables.test.ts recomputes every cell from that formula.
 *
 * Differences from pcie-bench (marked where they apply):
 * - x12: pcie-bench has no x12 column. Our x12 values come from the formula above (they are the
 *   2.5 GT/s x12 column of the 3.0-5.0 spec tables: 58, 90, 109, 194, 365, 706) and are reported as
 *   derived in the model's notes.
 * - pcie-bench's tables have two cells that break the formula, which we read as typos and do not
 *   copy: UpdateFC 2.5 GT/s x32 MPS 2048 = 248 (its AckLimit table and the formula give 148) and
 *   AckLimit 5.0 GT/s x32 MPS 4096 = 237 (its UpdateFC table and the formula give 327).
 *   Only Gen1/Gen2 x32 at those MPS values differ from pcie-bench (TLP rate 1-2.5% apart).
 * - 64.0 GT/s (Gen6): no published table in this form (Flit Mode replaces Ack/Nak pacing); we
 *   reuse the 8.0 GT/s-and-higher table, as pcie-bench does. Extrapolated, flagged in notes.
 */

/** Link widths the model accepts, in the column order of the spec tables. */
export const LINK_WIDTHS = [1, 2, 4, 8, 12, 16, 32] as const;
export type LinkWidth = (typeof LINK_WIDTHS)[number];

/** Max Payload Size / Max Read Request Size encodings: 128..4096 bytes (PCIe Base Spec 7.5.3.4). */
export const PAYLOAD_SIZES = [128, 256, 512, 1024, 2048, 4096] as const;
export type PayloadSize = (typeof PAYLOAD_SIZES)[number];

/** One table: MPS row -> symbol times per width, in LINK_WIDTHS order (x1 x2 x4 x8 x12 x16 x32). */
export type PacingTable = Readonly<Record<PayloadSize, readonly number[]>>;

/** PCIe Base Spec 5.0 Table 3-7 / Table 2-46: 2.5 GT/s (Gen1). x12 derived (see header). */
const PACING_2_5GT: PacingTable = {
  128: [237, 128, 73, 67, 58, 48, 33],
  256: [416, 217, 118, 107, 90, 72, 45],
  512: [559, 289, 154, 86, 109, 86, 52],
  1024: [1071, 545, 282, 150, 194, 150, 84],
  2048: [2095, 1057, 538, 278, 365, 278, 148],
  4096: [4143, 2081, 1050, 534, 706, 534, 276],
};

/** PCIe Base Spec 5.0 Table 3-8 / Table 2-47: 5.0 GT/s (Gen2). x12 derived (see header). */
const PACING_5GT: PacingTable = {
  128: [288, 179, 124, 118, 109, 99, 84],
  256: [467, 268, 169, 158, 141, 123, 96],
  512: [610, 340, 205, 137, 160, 137, 103],
  1024: [1122, 596, 333, 201, 245, 201, 135],
  2048: [2146, 1108, 589, 329, 416, 329, 199],
  4096: [4194, 2132, 1101, 585, 757, 585, 327],
};

/** PCIe Base Spec 5.0 Table 3-9 / Table 2-48: 8.0 GT/s and higher (Gen3-Gen5). x12 derived. */
const PACING_8GT_PLUS: PacingTable = {
  128: [333, 224, 169, 163, 154, 144, 129],
  256: [512, 313, 214, 203, 186, 168, 141],
  512: [655, 385, 250, 182, 205, 182, 148],
  1024: [1167, 641, 378, 246, 290, 246, 180],
  2048: [2191, 1153, 634, 374, 461, 374, 244],
  4096: [4239, 2177, 1146, 630, 802, 630, 372],
};

/** PCIe generations the model covers. */
export const PCIE_GENS = [1, 2, 3, 4, 5, 6] as const;
export type PcieGen = (typeof PCIE_GENS)[number];

/** Per-generation physical-layer facts (PCIe Base Spec 5.0 §4.2; 6.0 §4.2 for Gen6). */
export interface GenInfo {
  /** Transfer rate per lane, GT/s. */
  readonly gtps: number;
  /** Line-code efficiency: 8b/10b, 128b/130b, or 242/256 for Gen6 Flit Mode (per pcie-bench). */
  readonly encoding: number;
  readonly encodingName: string;
  /** Ack/UpdateFC pacing table for this rate. */
  readonly pacing: PacingTable;
  /** The table is borrowed from another rate (no published table for this one). */
  readonly pacingExtrapolated: boolean;
}

export const GEN_INFO: Readonly<Record<PcieGen, GenInfo>> = {
  1: { gtps: 2.5, encoding: 8 / 10, encodingName: "8b/10b", pacing: PACING_2_5GT, pacingExtrapolated: false },
  2: { gtps: 5, encoding: 8 / 10, encodingName: "8b/10b", pacing: PACING_5GT, pacingExtrapolated: false },
  3: {
    gtps: 8,
    encoding: 128 / 130,
    encodingName: "128b/130b",
    pacing: PACING_8GT_PLUS,
    pacingExtrapolated: false,
  },
  4: {
    gtps: 16,
    encoding: 128 / 130,
    encodingName: "128b/130b",
    pacing: PACING_8GT_PLUS,
    pacingExtrapolated: false,
  },
  5: {
    gtps: 32,
    encoding: 128 / 130,
    encodingName: "128b/130b",
    pacing: PACING_8GT_PLUS,
    pacingExtrapolated: false,
  },
  // Gen6: 242/256 is pcie-bench's flit efficiency; pacing reuses Gen5's table (extrapolated).
  6: {
    gtps: 64,
    encoding: 242 / 256,
    encodingName: "242/256 flit",
    pacing: PACING_8GT_PLUS,
    pacingExtrapolated: true,
  },
};

/** Widths that are not in pcie-bench's tables; their pacing values are derived from the formula. */
export const DERIVED_WIDTHS: readonly LinkWidth[] = [12];

/** A pcie-bench table cell we do not copy because it breaks the spec formula (see header). */
export interface PcieBenchTypo {
  readonly gen: PcieGen;
  readonly width: LinkWidth;
  readonly mps: PayloadSize;
  readonly table: "AckLimit" | "UpdateFC";
  /** pcie-bench's value; ours is the formula's (pacingCell). */
  readonly pcieBench: number;
}

export const PCIE_BENCH_TYPOS: readonly PcieBenchTypo[] = [
  { gen: 1, width: 32, mps: 2048, table: "UpdateFC", pcieBench: 248 },
  { gen: 2, width: 32, mps: 4096, table: "AckLimit", pcieBench: 237 },
];

/** Ack DLLP pacing (AckLimit), symbol times: PCIe Base Spec 5.0 Tables 3-7..3-9. */
export function ackLimit(gen: PcieGen, width: LinkWidth, mps: PayloadSize): number {
  return pacingCell(gen, width, mps);
}

/** UpdateFC DLLP pacing, symbol times: PCIe Base Spec 5.0 Tables 2-46..2-48 (same values). */
export function updateFcInterval(gen: PcieGen, width: LinkWidth, mps: PayloadSize): number {
  return pacingCell(gen, width, mps);
}

function pacingCell(gen: PcieGen, width: LinkWidth, mps: PayloadSize): number {
  const value = GEN_INFO[gen].pacing[mps][LINK_WIDTHS.indexOf(width)];
  if (value === undefined) throw new RangeError(`no pacing value for Gen${gen} x${width} MPS ${mps}`);
  return value;
}

/** DLLP cost on the wire: 2 framing symbols + 4-byte DLLP + 2-byte DLLP CRC (Base Spec 5.0 §3.5, §4.2). */
export const DLLP_BYTES = 8;

/**
 * SKP Ordered Set: 4 symbols at most every 1538 symbol times (Base Spec 5.0 §4.2.7, 8b/10b rule);
 * pcie-bench applies the same cost at every rate, and so do we.
 */
export const SKP_LENGTH = 4;
export const SKP_INTERVAL = 1538;
