/**
 * rdma-core userspace structs and flags (libibverbs/verbs.h) used to allocate a DMA handle and
 * register a memory region, as x86-64 byte layouts (linux-tph-stack.md section 3). These are
 * library structs, not kernel uapi: libibverbs translates them into uverbs attributes, so their
 * layout is the same in every revision of the series.
 */

import { encode } from "../../kernel/include/uapi/codec.js";
import { defineStruct, field, prim } from "../../kernel/include/uapi/layout.js";
import { IB_ACCESS } from "../../kernel/infiniband/core/ib_verbs.js";

/* C spellings used by verbs.h. */
export const uint8_t = prim("u8", "uint8_t");
export const uint32_t = prim("u32", "uint32_t");
export const uint64_t = prim("u64", "uint64_t");
export const c_int = prim("int", "int");
export const size_t = prim("size_t", "size_t");
export const void_ptr = prim("pointer", "void *");
export const ibv_dmah_ptr = prim("pointer", "struct ibv_dmah *");

/** enum ibv_tph_mem_type. */
export const IBV_TPH_MEM_TYPE_VM = 0;
export const IBV_TPH_MEM_TYPE_PM = 1;

/** enum ibv_dmah_init_attr_mask. */
export const IBV_DMAH_INIT_ATTR_MASK_CPU_ID = 1 << 0;
export const IBV_DMAH_INIT_ATTR_MASK_PH = 1 << 1;
export const IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE = 1 << 2;

/** struct ibv_dmah_init_attr: 10 bytes of members, tail-padded to 12. */
export const ibv_dmah_init_attr = defineStruct("ibv_dmah_init_attr", [
  field("comp_mask", uint32_t),
  field("cpu_id", uint32_t),
  field("ph", uint8_t),
  field("tph_mem_type", uint8_t),
]);

/** enum ibv_mr_init_attr_mask. */
export const IBV_REG_MR_MASK_IOVA = 1 << 0;
export const IBV_REG_MR_MASK_ADDR = 1 << 1;
export const IBV_REG_MR_MASK_FD = 1 << 2;
export const IBV_REG_MR_MASK_FD_OFFSET = 1 << 3;
export const IBV_REG_MR_MASK_DMAH = 1 << 4;

/**
 * enum ibv_access_flags: rdma-core defines each IBV_ACCESS_* as the kernel's IB_UVERBS_ACCESS_*
 * value (the flags cross the uverbs ABI unchanged), so the table is the kernel's.
 * RELAXED_ORDERING is IBV_ACCESS_OPTIONAL_FIRST (1 << 20), the first flag a provider may ignore.
 */
export const IBV_ACCESS = IB_ACCESS;
export const IBV_ACCESS_OPTIONAL_FIRST = 1 << 20;

/** struct ibv_mr_init_attr (ibv_reg_mr_ex): holes after `access` and after `fd`; 64 bytes. */
export const ibv_mr_init_attr = defineStruct("ibv_mr_init_attr", [
  field("length", size_t),
  field("access", c_int),
  field("comp_mask", uint64_t),
  field("iova", uint64_t),
  field("addr", void_ptr),
  field("fd", c_int),
  field("fd_offset", uint64_t),
  field("dmah", ibv_dmah_ptr),
]);

/** Every verbs struct this model lays out. */
export const VERBS_STRUCTS = [ibv_dmah_init_attr, ibv_mr_init_attr] as const;

/* The structs as a program fills them: fields not given are zero, comp_mask names those given. */

export interface DmahArgs {
  readonly cpu?: number | undefined;
  readonly memType?: number | undefined;
  readonly ph?: number | undefined;
}

/** struct ibv_dmah_init_attr with comp_mask naming the fields given. */
export function encodeDmahInitAttr(a: DmahArgs): Uint8Array {
  const mask =
    (a.cpu !== undefined ? IBV_DMAH_INIT_ATTR_MASK_CPU_ID : 0) |
    (a.ph !== undefined ? IBV_DMAH_INIT_ATTR_MASK_PH : 0) |
    (a.memType !== undefined ? IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE : 0);
  return encode(ibv_dmah_init_attr, {
    comp_mask: mask,
    cpu_id: a.cpu ?? 0,
    ph: a.ph ?? 0,
    tph_mem_type: a.memType ?? 0,
  });
}

export interface MrInitArgs {
  readonly length: bigint;
  readonly access: number;
  readonly iova?: bigint;
  /** User memory (IBV_REG_MR_MASK_ADDR) ... */
  readonly addr?: bigint;
  /** ... or a dma-buf (IBV_REG_MR_MASK_FD | FD_OFFSET). */
  readonly fd?: number;
  readonly fdOffset?: bigint;
  /** The struct ibv_dmah to bind (IBV_REG_MR_MASK_DMAH); none when null. */
  readonly dmah?: { readonly ptr: bigint } | null | undefined;
  /** comp_mask as given, instead of the fields' bits. */
  readonly compMask?: number | undefined;
}

/** struct ibv_mr_init_attr for ibv_reg_mr_ex(), comp_mask naming the fields given. */
export function encodeMrInitAttr(a: MrInitArgs): Uint8Array {
  const mask =
    (a.iova !== undefined ? IBV_REG_MR_MASK_IOVA : 0) |
    (a.addr !== undefined ? IBV_REG_MR_MASK_ADDR : 0) |
    (a.fd !== undefined ? IBV_REG_MR_MASK_FD | IBV_REG_MR_MASK_FD_OFFSET : 0) |
    (a.dmah ? IBV_REG_MR_MASK_DMAH : 0);
  return encode(ibv_mr_init_attr, {
    length: a.length,
    access: a.access,
    comp_mask: BigInt(a.compMask ?? mask),
    iova: a.iova ?? 0n,
    addr: a.addr ?? 0n,
    fd: a.fd ?? 0,
    fd_offset: a.fdOffset ?? 0n,
    dmah: a.dmah?.ptr ?? 0n,
  });
}
