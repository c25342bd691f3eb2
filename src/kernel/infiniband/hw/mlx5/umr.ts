/**
 * drivers/infiniband/hw/mlx5/umr.c: changing a live mkey through UMR work requests (translation
 * load/zap, PD/access) and, for the proposed fix, its TPH fields.
 */
import { MKC, mlx5Set, newMkc } from "../../../../hw/mlx5/ifc.js";
import type { Kernel } from "../../../kernel.js";
import { mlx5CmdStatusToErr } from "../../../net/ethernet/mellanox/mlx5/core/cmd.js";
import { traceHex } from "../../../trace.js";
import type { IbPd } from "../../core/ib_verbs.js";
import { setMkcAccess, setMkcTph } from "./mkc.js";
import type { Mlx5IbDev, Mlx5IbMr, MrTph } from "./mlx5_ib.js";

/** MLX5_MAX_UMR_PAGES (umr.h): 1 << MLX5_MAX_UMR_SHIFT (16). */
export const MLX5_MAX_UMR_PAGES = 1 << 16;
const PAGE_SIZE = 4096n;

/**
 * mlx5r_umr_can_load_pas() (umr.h): UMR can load this MR's translation unless the device
 * disables PAS lists through UMR, or lacks the extended translation offset and the MR spans
 * 2^16 pages or more. Decides between an FRMR-pool mkey and reg_create().
 */
export function mlx5rUmrCanLoadPas(dev: Mlx5IbDev, length: bigint): boolean {
  const caps = dev.mdev.hw.caps;
  if (caps.umrModifyEntitySizeDisabled === true) return false;
  if (caps.umrExtendedTranslationOffset === false && length >= BigInt(MLX5_MAX_UMR_PAGES) * PAGE_SIZE)
    return false;
  return true;
}

function post(
  k: Kernel,
  mr: Mlx5IbMr,
  fn: string,
  update: Parameters<Mlx5IbMr["dev"]["mdev"]["hw"]["umr"]>[1],
) {
  const ret = mlx5CmdStatusToErr(mr.dev.mdev.hw.umr(mr.key >>> 8, update));
  return k.trace.ret(fn, { dev: mr.dev.name, args: { mkey: traceHex(mr.key) } }, ret);
}

/**
 * mlx5r_umr_update_mr_pas(): MLX5_IB_UPD_XLT_ENABLE loads the translation of the MR's umem;
 * MLX5_IB_UPD_XLT_ZAP clears it, so the NIC faults instead of touching the pages.
 */
export function mlx5rUmrUpdateMrPas(k: Kernel, mr: Mlx5IbMr, mode: "enable" | "zap"): number {
  const xlt = mode === "zap" ? "zap" : (mr.umem?.segments() ?? []);
  return post(k, mr, mode === "zap" ? "mlx5r_umr_update_mr_pas_zap" : "mlx5r_umr_update_mr_pas", { xlt });
}

/** mlx5r_umr_rereg_pd_access(): new PD and access flags on a live mkey. */
export function mlx5rUmrReregPdAccess(k: Kernel, mr: Mlx5IbMr, pd: IbPd, access: number): number {
  const mkc = newMkc();
  setMkcAccess(mkc, access);
  mlx5Set(mkc, MKC.pd, pd.pdn);
  return post(k, mr, "mlx5r_umr_rereg_pd_access", { mkc, mask: ["pd", "lw", "rr", "rw", "a", "lr"] });
}

/**
 * Proposed fix (open problem 1): reprogram the mkey's TPH fields after a re-query. Extrapolation:
 * mainline notes TPH mkeys are not UMR-capable "unless explicitly enabled by firmware"; the model
 * assumes firmware that enables it.
 */
export function mlx5rUmrUpdateTph(k: Kernel, mr: Mlx5IbMr, tph: MrTph): number {
  const mkc = newMkc();
  setMkcTph(mkc, tph.stIndex, tph.ph);
  return post(k, mr, "mlx5r_umr_update_tph", {
    mkc,
    mask: ["pcie_tph_en", "pcie_tph_ph", "pcie_tph_steering_tag_index"],
  });
}
