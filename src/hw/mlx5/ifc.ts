/**
 * The slice of the mlx5 device interface (include/linux/mlx5/mlx5_ifc.h) the model uses: the
 * memory key context (`struct mlx5_ifc_mkc_bits`), command opcodes and statuses.
 *
 * mlx5 interface structs are big-endian bit streams: a field is named by its bit offset from the
 * start (bit 0 = most significant bit of byte 0) and its width, exactly as mlx5_ifc.h spells them
 * (`u8 pcie_tph_steering_tag_index[0x8]` at 0x1e8). MLX5_SET() keeps only the low `bits` bits of
 * the value: a 16-bit steering tag written into the 8-bit ST index field loses its upper byte, and
 * the device sees the truncated index (linux-tph-stack.md section 2).
 */
import { ModelError } from "../../base/errors.js";

/** One field of an ifc struct: bit offset (MSB-first) and width in bits. */
export interface IfcField {
  readonly off: number;
  readonly bits: number;
}

/**
 * struct mlx5_ifc_mkc_bits (0x200 bits = 64 bytes). Offsets from mlx5_ifc.h; the TPH fields from
 * the patch "net/mlx5: Add support for TPH in mkey" (reserved_at_1e0[0x5], pcie_tph_en[0x1],
 * pcie_tph_ph[0x2], pcie_tph_steering_tag_index[0x8], reserved_at_1f0[0x10]).
 */
export const MKC = {
  free: { off: 0x01, bits: 1 },
  umr_en: { off: 0x10, bits: 1 },
  a: { off: 0x11, bits: 1 },
  rw: { off: 0x12, bits: 1 },
  rr: { off: 0x13, bits: 1 },
  lw: { off: 0x14, bits: 1 },
  lr: { off: 0x15, bits: 1 },
  access_mode_1_0: { off: 0x16, bits: 2 },
  qpn: { off: 0x20, bits: 0x18 },
  mkey_7_0: { off: 0x38, bits: 8 },
  length64: { off: 0x60, bits: 1 },
  pd: { off: 0x68, bits: 0x18 },
  start_addr: { off: 0x80, bits: 0x40 },
  len: { off: 0xc0, bits: 0x40 },
  translations_octword_size: { off: 0x1a0, bits: 0x20 },
  relaxed_ordering_read: { off: 0x1d9, bits: 1 },
  log_page_size: { off: 0x1da, bits: 6 },
  pcie_tph_en: { off: 0x1e5, bits: 1 },
  pcie_tph_ph: { off: 0x1e6, bits: 2 },
  pcie_tph_steering_tag_index: { off: 0x1e8, bits: 8 },
} as const satisfies Record<string, IfcField>;
export type MkcFieldName = keyof typeof MKC;

/** sizeof(mlx5_ifc_mkc_bits) / 8. */
export const MKC_BYTES = 0x200 / 8;

/** MLX5_MKC_ACCESS_MODE_MTT: translation by a list of pages (the mode user MRs use). */
export const MLX5_MKC_ACCESS_MODE_MTT = 0x1;
/** Entry 0 of the ST table is reserved for "no steering tag" (mlx5_ifc.h). */
export const MLX5_MKC_PCIE_TPH_NO_STEERING_TAG_INDEX = 0;

/** Command opcodes (mlx5_ifc.h MLX5_CMD_OP_*). */
export const MLX5_CMD_OP = {
  CREATE_MKEY: 0x200,
  QUERY_MKEY: 0x201,
  DESTROY_MKEY: 0x202,
} as const;

/**
 * Command statuses (MLX5_CMD_STAT_*) and the errno the driver turns each into
 * (cmd_status_to_err() in drivers/net/ethernet/mellanox/mlx5/core/cmd.c).
 */
export const MLX5_CMD_STAT = {
  OK: 0x0,
  BAD_PARAM_ERR: 0x3,
  BAD_RES_ERR: 0x5,
  LIM_ERR: 0x8,
} as const;
export type Mlx5CmdStatus = (typeof MLX5_CMD_STAT)[keyof typeof MLX5_CMD_STAT];

function checkSpan(buf: Uint8Array, f: IfcField): void {
  if (f.off + f.bits > buf.length * 8)
    throw new ModelError(`ifc field at bit 0x${f.off.toString(16)} beyond buffer`);
}

/** MLX5_GET()/MLX5_GET64(): the field's value (bigint, any width up to 64 bits). */
export function mlx5GetBig(buf: Uint8Array, f: IfcField): bigint {
  checkSpan(buf, f);
  let v = 0n;
  for (let i = 0; i < f.bits; i++) {
    const bit = f.off + i;
    v = (v << 1n) | BigInt((buf[bit >> 3]! >> (7 - (bit & 7))) & 1);
  }
  return v;
}

/** MLX5_GET() of a field of at most 32 bits, as a number. */
export function mlx5Get(buf: Uint8Array, f: IfcField): number {
  if (f.bits > 32) throw new ModelError(`field of ${f.bits} bits: use mlx5GetBig`);
  return Number(mlx5GetBig(buf, f));
}

/**
 * MLX5_SET()/MLX5_SET64(): store the low `f.bits` bits of `value`; higher bits are dropped, as
 * the C macro masks with __mlx5_mask(). Returns the value actually stored.
 */
export function mlx5Set(buf: Uint8Array, f: IfcField, value: number | bigint): bigint {
  checkSpan(buf, f);
  const v = BigInt.asUintN(f.bits, BigInt(value));
  for (let i = 0; i < f.bits; i++) {
    const bit = f.off + i;
    const one = (v >> BigInt(f.bits - 1 - i)) & 1n;
    const byte = bit >> 3;
    const m = 1 << (7 - (bit & 7));
    buf[byte] = one ? buf[byte]! | m : buf[byte]! & ~m;
  }
  return v;
}

/** A blank mkey context buffer. */
export function newMkc(): Uint8Array {
  return new Uint8Array(MKC_BYTES);
}

/** mlx5_idx_to_mkey() plus the variant byte: the 32-bit key software uses (lkey/rkey). */
export function mkeyFromIndex(index: number, variant: number): number {
  return ((index << 8) | (variant & 0xff)) >>> 0;
}
/** mlx5_mkey_to_idx(). */
export function mkeyToIndex(mkey: number): number {
  return mkey >>> 8;
}
