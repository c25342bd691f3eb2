/**
 * The mkey-context setters of drivers/infiniband/hw/mlx5/mr.c: set_mkc_access_pd_addr_fields()
 * and the TPH block of reg_create() (linux-tph-stack.md section 2).
 */
import {
  MKC,
  MLX5_MKC_ACCESS_MODE_MTT,
  MLX5_MKC_PCIE_TPH_NO_STEERING_TAG_INDEX,
  mlx5Set,
} from "../../../../hw/mlx5/ifc.js";
import { IB_ACCESS } from "../../core/ib_verbs.js";
import { MLX5_IB_NO_PH } from "./mlx5_ib.js";

/** The access bits of the mkey context: local read always, the rest from the IB access flags. */
export function setMkcAccess(mkc: Uint8Array, access: number): void {
  mlx5Set(mkc, MKC.a, access & IB_ACCESS.REMOTE_ATOMIC ? 1 : 0);
  mlx5Set(mkc, MKC.rw, access & IB_ACCESS.REMOTE_WRITE ? 1 : 0);
  mlx5Set(mkc, MKC.rr, access & IB_ACCESS.REMOTE_READ ? 1 : 0);
  mlx5Set(mkc, MKC.lw, access & IB_ACCESS.LOCAL_WRITE ? 1 : 0);
  mlx5Set(mkc, MKC.lr, 1);
}

/** set_mkc_access_pd_addr_fields() plus the MTT translation mode and 4 KiB pages. */
export function setMkcAccessPdAddr(
  mkc: Uint8Array,
  access: number,
  iova: bigint,
  pdn: number,
  length: bigint,
): void {
  setMkcAccess(mkc, access);
  mlx5Set(mkc, MKC.access_mode_1_0, MLX5_MKC_ACCESS_MODE_MTT);
  mlx5Set(mkc, MKC.pd, pdn);
  mlx5Set(mkc, MKC.start_addr, iova);
  mlx5Set(mkc, MKC.len, length);
  mlx5Set(mkc, MKC.log_page_size, 12);
}

/**
 * reg_create()'s TPH block: with a PH, tph_en = 1 and the PH; the ST index only when it is not
 * "no steering tag" (0). MLX5_SET keeps the low 8 bits of the index: a wider tag is truncated.
 */
export function setMkcTph(mkc: Uint8Array, stIndex: number, ph: number): void {
  if (ph === MLX5_IB_NO_PH) return;
  mlx5Set(mkc, MKC.pcie_tph_en, 1);
  mlx5Set(mkc, MKC.pcie_tph_ph, ph);
  if (stIndex !== MLX5_MKC_PCIE_TPH_NO_STEERING_TAG_INDEX)
    mlx5Set(mkc, MKC.pcie_tph_steering_tag_index, stIndex);
}
