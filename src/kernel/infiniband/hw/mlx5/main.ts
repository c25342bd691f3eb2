/**
 * drivers/infiniband/hw/mlx5/main.c: the mlx5 IB device on top of an mlx5 core device, with the
 * ib_device_ops the model uses (PD, DMAH, user MRs).
 */
import type { Kernel } from "../../../kernel.js";
import type { Mlx5CoreDev } from "../../../net/ethernet/mellanox/mlx5/core/main.js";
import { IbDevice, type IbDeviceOps } from "../../core/ib_verbs.js";
import { mlx5IbAllocDmah, mlx5IbDeallocDmah, mlx5IbNewDmah } from "./dmah.js";
import { Mlx5IbDev, type Mlx5IbMr } from "./mlx5_ib.js";
import { mlx5IbDeregMr, mlx5IbRegUserMr, mlx5IbRegUserMrDmabuf, mlx5IbReregUserMr } from "./mr.js";

/** mlx5_ib_add(): register the IB device "mlx5_N" for `mdev`. */
export function mlx5IbAdd(k: Kernel, mdev: Mlx5CoreDev, index = 0): Mlx5IbDev {
  const dev = new Mlx5IbDev(mdev);
  const ops: IbDeviceOps = {
    allocPd: (_k, pd) => {
      pd.pdn = dev.nextPdn++;
      return 0;
    },
    deallocPd: () => 0,
    regUserMr: (kk, pd, start, length, iova, access, dmah) =>
      mlx5IbRegUserMr(kk, dev, pd, start, length, iova, access, dmah),
    regUserMrDmabuf: (kk, pd, offset, length, iova, fd, access, dmah) =>
      mlx5IbRegUserMrDmabuf(kk, dev, pd, offset, length, iova, fd, access, dmah),
    reregUserMr: (kk, mr, flags, start, length, iova, access, pd) =>
      mlx5IbReregUserMr(kk, dev, mr as Mlx5IbMr, flags, start, length, iova, access, pd),
    deregMr: (kk, mr) => mlx5IbDeregMr(kk, dev, mr as Mlx5IbMr),
  };
  // mlx5_ib_stage_caps_init(): `if (mdev->st) ib_set_device_ops(..., &mlx5_ib_dev_dmah_ops)`;
  // without an ST table the DMAH methods have no handler at all.
  const dmahOps: Partial<IbDeviceOps> = mdev.st
    ? {
        newDmah: () => mlx5IbNewDmah(dev),
        allocDmah: (kk, dmah) => mlx5IbAllocDmah(kk, dev, dmah),
        deallocDmah: (kk, dmah) => mlx5IbDeallocDmah(kk, dev, dmah),
      }
    : {};
  dev.ibdev = new IbDevice(`mlx5_${index}`, { ...ops, ...dmahOps });
  k.trace.emit("mlx5_ib_add", { dev: mdev.name, args: { ibdev: dev.ibdev.name } });
  return dev;
}
