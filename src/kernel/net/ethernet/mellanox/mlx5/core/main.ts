/**
 * drivers/net/ethernet/mellanox/mlx5/core/main.c: the core device (struct mlx5_core_dev) and the
 * part of probe the model needs: bind to the PCI function, enable it, create the ST table.
 */
import type { Mlx5Device } from "../../../../../../hw/mlx5/device.js";
import { EBUSY } from "../../../../../errno.js";
import type { Kernel } from "../../../../../kernel.js";
import type { PciDev } from "../../../../../pci/pci.js";
import { type Mlx5St, mlx5StCreate, mlx5StDestroy } from "./lib/st.js";

/** struct mlx5_core_dev (the slice the model uses). */
export class Mlx5CoreDev {
  /** dev->st: undefined when TPH steering tags are unsupported. */
  st: Mlx5St | undefined = undefined;
  /** Next mkey variant byte (assign_mkey_variant()). */
  mkeyVariant = 0;
  constructor(
    readonly pdev: PciDev,
    /** The device behind the PCI function: its firmware and mkey table. */
    readonly hw: Mlx5Device,
  ) {}
  get name(): string {
    return this.pdev.name;
  }
}

/** probe_one() + mlx5_init_one(): bind mlx5_core to `pdev`; the ST table is created here. */
export function mlx5Probe(k: Kernel, pdev: PciDev, hw: Mlx5Device): Mlx5CoreDev | number {
  if (pdev.driver !== undefined) return k.trace.ret("mlx5_probe", { dev: pdev.name }, -EBUSY);
  const mdev = new Mlx5CoreDev(pdev, hw);
  pdev.driver = "mlx5_core";
  pdev.driverData = mdev;
  mdev.st = mlx5StCreate(k, mdev);
  k.trace.emit("mlx5_probe", { dev: pdev.name, args: { st: mdev.st !== undefined }, ret: 0 });
  return mdev;
}

/** remove_one(): ST table destroyed (TPH disabled), driver unbound. */
export function mlx5Remove(k: Kernel, mdev: Mlx5CoreDev): void {
  mlx5StDestroy(k, mdev);
  mdev.pdev.driver = undefined;
  mdev.pdev.driverData = undefined;
  k.trace.emit("mlx5_remove", { dev: mdev.name });
}
