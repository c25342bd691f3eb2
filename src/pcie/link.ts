/**
 * Analytic PCIe link bandwidth: the pcie-bench model (Neugebauer et al., SIGCOMM 2018;
 * github.com/pcie-bench/pcie-model, model/pcie.py and model/mem_bw.py), re-derived from its rules.
 * See ../../../shared/reference/calibration.md ("Link bandwidth").
 *
 * 1. Raw rate = GT/s x line-code efficiency x lanes.
 * 2. TLP rate = raw x (1 - 8/AckLimit - 8/UpdateFCInterval - 4/1538): the link layer spends an
 *    8-byte Ack DLLP and an 8-byte UpdateFC DLLP per pacing interval, and 4 of every 1538 symbols
 *    on SKP Ordered Sets (tables and citations in ./link-tables.ts).
 * 3. Every TLP costs its payload plus fixed bytes on the wire (TLP_BYTES, tlpWireBytes).
 * 4. A transfer of `size` bytes moves txBytes from the requester and rxBytes to it (transferBytes);
 *    each direction carries the full TLP rate, so goodput = size x tlpGbps / max(txBytes, rxBytes).
 *    Writes load only tx; reads send MRd requests on tx and receive CplDs on rx, and the slower
 *    direction limits; read+write runs one read and one write of `size` at the same time, and its
 *    figure is the data rate in each direction (pcie-bench's read_write, tx == rx).
 *
 * Rates are in Gb/s with G = 1e9. The simulator serializes TLPs with tlpWireBytes() at tlpGbps,
 * which keeps it consistent with this model.
 */
import { InputError, type Issue, ModelError } from "../base/errors.js";
import {
  ackLimit,
  DERIVED_WIDTHS,
  DLLP_BYTES,
  GEN_INFO,
  LINK_WIDTHS,
  type LinkWidth,
  PAYLOAD_SIZES,
  type PayloadSize,
  PCIE_BENCH_TYPOS,
  PCIE_GENS,
  type PcieGen,
  SKP_INTERVAL,
  SKP_LENGTH,
  updateFcInterval,
} from "./link-tables.js";
import type { TlpKind } from "./tlp-types.js";

/** A link as the user describes it. addr defaults to 64, ecrc to false. */
export interface LinkConfig {
  readonly gen: number;
  readonly width: number;
  readonly mps: number;
  readonly mrrs: number;
  readonly addr?: number;
  readonly ecrc?: boolean;
}

/** A validated link configuration. */
export interface ResolvedLinkConfig {
  readonly gen: PcieGen;
  readonly width: LinkWidth;
  readonly mps: PayloadSize;
  readonly mrrs: PayloadSize;
  readonly addr: 32 | 64;
  readonly ecrc: boolean;
}

/**
 * Fixed bytes each TLP adds on the wire besides its payload (pcie-bench's accounting):
 * - framing: 2 symbols (STP/END in 8b/10b; pcie-bench keeps 2 for 128b/130b's STP token too),
 *   Base Spec 5.0 §4.2;
 * - seqLcrc: 2-byte sequence number + 4-byte LCRC added by the Data Link Layer, §3.6;
 * - header32 / header64: 3 DW / 4 DW header of MRd and MWr with a 32-/64-bit address, §2.2.4.1;
 * - cplHeader: 3 DW Completion header, §2.2.9 (CplD carries no address, so always 12);
 * - ecrc: the optional 1 DW TLP Digest, §2.2.3.
 */
export const TLP_BYTES = {
  framing: 2,
  seqLcrc: 6,
  header32: 12,
  header64: 16,
  cplHeader: 12,
  ecrc: 4,
} as const;

/** TLP kinds the model accounts for. MRd and Cpl carry no data; MWr and CplD do. */
/** The TLP kinds the bandwidth model prices (the classification itself lives in tlp-types.ts). */
export const TLP_KINDS: readonly TlpKind[] = ["MWr", "MRd", "CplD", "Cpl"];

/** Per-TLP wire overhead (everything but the payload) for one kind of TLP. */
export function tlpOverheadBytes(kind: TlpKind, opts: { addr: 32 | 64; ecrc: boolean }): number {
  const link = TLP_BYTES.framing + TLP_BYTES.seqLcrc;
  const header =
    kind === "CplD" || kind === "Cpl"
      ? TLP_BYTES.cplHeader
      : opts.addr === 32
        ? TLP_BYTES.header32
        : TLP_BYTES.header64;
  return link + header + (opts.ecrc ? TLP_BYTES.ecrc : 0);
}

/**
 * Bytes one TLP occupies on the wire: overhead plus payload. MRd/Cpl must have payload 0 (a read
 * request's length field is not data); MWr/CplD payloads are whole bytes, 0..4096.
 */
export function tlpWireBytes(
  kind: TlpKind,
  payloadBytes: number,
  opts: { addr: 32 | 64; ecrc: boolean },
): number {
  const carriesData = kind === "MWr" || kind === "CplD";
  const max = carriesData ? 4096 : 0;
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0 || payloadBytes > max) {
    throw new ModelError(`${kind} payload must be an integer in 0..${max}, got ${payloadBytes}`);
  }
  return tlpOverheadBytes(kind, opts) + payloadBytes;
}

/** Operations the model rates. */
export const TRANSFER_OPS = ["write", "read", "readWrite"] as const;
export type TransferOp = (typeof TRANSFER_OPS)[number];

/** Wire bytes of one transfer, per direction, seen from the requester (the device doing DMA). */
export interface TransferBytes {
  /** Bytes the requester transmits: MWr TLPs and/or MRd requests. */
  readonly txBytes: number;
  /** Bytes the requester receives: CplD TLPs. */
  readonly rxBytes: number;
  readonly mwrTlps: number;
  readonly mrdTlps: number;
  readonly cplDTlps: number;
}

/**
 * Wire bytes to move `size` bytes: writes split at MPS, read requests at MRRS, completions at MPS
 * (pcie-bench's default; completions split at the Read Completion Boundary are not modelled).
 */
export function transferBytes(cfg: ResolvedLinkConfig, op: TransferOp, size: number): TransferBytes {
  const writes = op === "read" ? 0 : Math.ceil(size / cfg.mps);
  const reads = op === "write" ? 0 : Math.ceil(size / cfg.mrrs);
  const cpls = op === "write" ? 0 : Math.ceil(size / cfg.mps);
  const writeData = op === "read" ? 0 : size;
  const readData = op === "write" ? 0 : size;
  return {
    txBytes: writes * tlpOverheadBytes("MWr", cfg) + writeData + reads * tlpOverheadBytes("MRd", cfg),
    rxBytes: cpls * tlpOverheadBytes("CplD", cfg) + readData,
    mwrTlps: writes,
    mrdTlps: reads,
    cplDTlps: cpls,
  };
}

/** The model's answer for one transfer size (the `tphlab bw --json` object). */
export interface BandwidthPoint {
  readonly size: number;
  readonly rawGbps: number;
  readonly tlpGbps: number;
  readonly writeGbps: number;
  readonly readGbps: number;
  /** Data rate in each direction while reads and writes of `size` run together. */
  readonly readWriteGbps: number;
}

/** Link-layer costs that turn the raw rate into the TLP rate, as fractions of the raw rate. */
export interface LinkLayerOverhead {
  /** AckLimit and UpdateFC interval in symbol times (one byte of link capacity each). */
  readonly ackLimit: number;
  readonly updateFcInterval: number;
  readonly ackShare: number;
  readonly updateFcShare: number;
  readonly skpShare: number;
}

export interface LinkBandwidth {
  readonly config: ResolvedLinkConfig;
  readonly rawGbps: number;
  /** Rate left for TLPs in each direction after Ack/UpdateFC DLLPs and SKP Ordered Sets. */
  readonly tlpGbps: number;
  readonly linkLayer: LinkLayerOverhead;
  /** Per-TLP overhead bytes for this config (framing + seq/LCRC + header [+ ECRC]). */
  readonly perTlp: Readonly<Record<TlpKind, number>>;
  /** True when a value is extrapolated or derived rather than taken from a published table. */
  readonly extrapolated: boolean;
  /** Human-readable remarks: extrapolations and known differences from pcie-bench. */
  readonly notes: readonly string[];
  writeGbps(size: number): number;
  readGbps(size: number): number;
  readWriteGbps(size: number): number;
  /** All rates for one size. */
  at(size: number): BandwidthPoint;
  /** Time in ns to serialize `bytes` of TLPs at tlpGbps. */
  wireTimeNs(bytes: number): number;
}

/**
 * Build the model for one link. Throws InputError listing every problem in `cfg`; transfer sizes
 * given to the returned functions must be positive integers (InputError at path `size`).
 */
export function linkModel(cfg: LinkConfig): LinkBandwidth {
  const c = resolveLinkConfig(cfg);
  const info = GEN_INFO[c.gen];
  const rawGbps = info.gtps * info.encoding * c.width;
  const ack = ackLimit(c.gen, c.width, c.mps);
  const fc = updateFcInterval(c.gen, c.width, c.mps);
  const linkLayer: LinkLayerOverhead = {
    ackLimit: ack,
    updateFcInterval: fc,
    ackShare: DLLP_BYTES / ack,
    updateFcShare: DLLP_BYTES / fc,
    skpShare: SKP_LENGTH / SKP_INTERVAL,
  };
  const tlpGbps = rawGbps * (1 - linkLayer.ackShare - linkLayer.updateFcShare - linkLayer.skpShare);
  const goodput = (op: TransferOp, size: number): number => {
    checkSize(size);
    const t = transferBytes(c, op, size);
    return (size * tlpGbps) / Math.max(t.txBytes, t.rxBytes);
  };
  const notes = linkNotes(c);
  const perTlp = Object.fromEntries(TLP_KINDS.map((k) => [k, tlpOverheadBytes(k, c)])) as Record<
    TlpKind,
    number
  >;
  return {
    config: c,
    rawGbps,
    tlpGbps,
    linkLayer,
    perTlp,
    extrapolated: info.pacingExtrapolated || DERIVED_WIDTHS.includes(c.width),
    notes,
    writeGbps: (size) => goodput("write", size),
    readGbps: (size) => goodput("read", size),
    readWriteGbps: (size) => goodput("readWrite", size),
    at: (size) => ({
      size,
      rawGbps,
      tlpGbps,
      writeGbps: goodput("write", size),
      readGbps: goodput("read", size),
      readWriteGbps: goodput("readWrite", size),
    }),
    wireTimeNs: (bytes) => (bytes * 8) / tlpGbps,
  };
}

/** Remarks on values that are not straight from a published table. */
function linkNotes(c: ResolvedLinkConfig): string[] {
  const notes: string[] = [];
  if (GEN_INFO[c.gen].pacingExtrapolated) {
    notes.push(
      `Gen${c.gen} is extrapolated: the raw rate uses ${GEN_INFO[c.gen].encodingName} efficiency, but Ack/UpdateFC ` +
        "pacing and TLP framing reuse the Gen3-5 non-flit values, as pcie-bench does",
    );
  }
  if (DERIVED_WIDTHS.includes(c.width)) {
    notes.push(
      `x${c.width}: Ack/UpdateFC pacing derived from the spec formula (pcie-bench has no x${c.width} column)`,
    );
  }
  for (const t of PCIE_BENCH_TYPOS) {
    if (t.gen === c.gen && t.width === c.width && t.mps === c.mps) {
      notes.push(
        `Gen${t.gen} x${t.width} MPS ${t.mps}: ${t.table} interval ${ackLimit(t.gen, t.width, t.mps)} per the ` +
          `spec formula; pcie-bench's table has ${t.pcieBench}, so its TLP rate differs here`,
      );
    }
  }
  return notes;
}

function checkSize(size: number): void {
  const issue = sizeIssue(size, "size");
  if (issue) throw new InputError(issue);
}

/** The problem with one transfer size, if any: sizes are positive safe integers (bytes). */
export function sizeIssue(size: number, path: string): Issue | undefined {
  if (Number.isSafeInteger(size) && size > 0) return undefined;
  return { code: "range", path, message: `transfer size must be a positive integer (bytes), found ${size}` };
}

/** Input to validation: every field optional so callers can report what is missing. */
export type LinkConfigInput = { readonly [K in keyof LinkConfig]?: LinkConfig[K] | undefined };

/**
 * Every problem with a link configuration, each with path `${prefix}${field}` (the CLI passes
 * "--" so paths are flag names).
 */
export function validateLinkConfig(cfg: LinkConfigInput, prefix = ""): Issue[] {
  const issues: Issue[] = [];
  const check = (field: keyof LinkConfig, value: unknown, allowed: readonly number[], what: string) => {
    if (value === undefined) {
      issues.push({ code: "required", path: prefix + field, message: "is required" });
    } else if (typeof value !== "number" || !allowed.includes(value)) {
      issues.push({
        code: "choice",
        path: prefix + field,
        message: `must be ${what}, found ${String(value)}`,
      });
    }
  };
  check("gen", cfg.gen, PCIE_GENS, `a PCIe generation ${PCIE_GENS.join(", ")}`);
  check("width", cfg.width, LINK_WIDTHS, `a link width of ${LINK_WIDTHS.join(", ")} lanes`);
  const sizes = "a power of two from 128 to 4096 bytes";
  check("mps", cfg.mps, PAYLOAD_SIZES, sizes);
  check("mrrs", cfg.mrrs, PAYLOAD_SIZES, sizes);
  if (cfg.addr !== undefined) check("addr", cfg.addr, [32, 64], "32 or 64 (address bits)");
  if (cfg.ecrc !== undefined && typeof cfg.ecrc !== "boolean") {
    issues.push({
      code: "type",
      path: `${prefix}ecrc`,
      message: `must be true or false, found ${String(cfg.ecrc)}`,
    });
  }
  return issues;
}

/** Validate and fill defaults; throws InputError with every issue. */
export function resolveLinkConfig(cfg: LinkConfigInput, prefix = ""): ResolvedLinkConfig {
  const issues = validateLinkConfig(cfg, prefix);
  if (issues.length > 0) throw new InputError(issues);
  return {
    gen: cfg.gen as PcieGen,
    width: cfg.width as LinkWidth,
    mps: cfg.mps as PayloadSize,
    mrrs: cfg.mrrs as PayloadSize,
    addr: (cfg.addr ?? 64) as 32 | 64,
    ecrc: cfg.ecrc ?? false,
  };
}
