/**
 * drivers/net/ethernet/mellanox/mlx5/core/mr.c: mkey firmware commands.
 */
import type { Mkey } from "../../../../../../hw/mlx5/device.js";
import { MKC, mkeyFromIndex, mlx5Set } from "../../../../../../hw/mlx5/ifc.js";
import type { Kernel } from "../../../../../kernel.js";
import { traceHex } from "../../../../../trace.js";
import { mlx5CmdStatusToErr } from "./cmd.js";
import type { Mlx5CoreDev } from "./main.js";

/**
 * mlx5_core_create_mkey(): CREATE_MKEY with context `mkc` (the variant byte goes into mkey_7_0,
 * as assign_mkey_variant() does). Returns the 32-bit key or a negative errno.
 */
export function mlx5CoreCreateMkey(
  k: Kernel,
  mdev: Mlx5CoreDev,
  mkc: Uint8Array,
): { ret: number; key: number } {
  const variant = mdev.mkeyVariant++ & 0xff;
  mlx5Set(mkc, MKC.mkey_7_0, variant);
  const { status, index } = mdev.hw.createMkey(mkc, variant);
  const ret = mlx5CmdStatusToErr(status);
  const key = ret ? 0 : mkeyFromIndex(index, variant);
  k.trace.emit("mlx5_core_create_mkey", { dev: mdev.name, args: { mkey: traceHex(key) }, ret });
  return { ret, key };
}

/** mlx5_core_destroy_mkey() */
export function mlx5CoreDestroyMkey(k: Kernel, mdev: Mlx5CoreDev, key: number): number {
  const ret = mlx5CmdStatusToErr(mdev.hw.destroyMkey(key >>> 8));
  return k.trace.ret("mlx5_core_destroy_mkey", { dev: mdev.name, args: { mkey: traceHex(key) } }, ret);
}

/** The mkey as the device holds it (QUERY_MKEY decoded), for tests and the facade. */
export function mlx5CoreQueryMkey(mdev: Mlx5CoreDev, key: number): Mkey | undefined {
  return mdev.hw.mkeyByKey(key);
}
