/**
 * A booted platform (src/kernel/platform-system.ts) as its programs see it: one Host whose devfs
 * has every accelerator's VFIO cdev (`/dev/vfio/devices/vfioN`, the numbers the platform gave:
 * layout order, a bound sibling right after its function 0) and every NIC's uverbs node
 * (`/dev/infiniband/uverbsN`, N as in mlx5_N), so ibv_get_device_list() lists every mlx5_N.
 */
import { ModelError } from "../base/errors.js";
import type { PlatformSystem } from "../kernel/platform-system.js";
import { Host } from "./host.js";

export interface PlatformHost {
  readonly host: Host;
  /** Device nodes by platform name: the accelerator's VFIO cdev, the NIC's uverbs node. */
  readonly paths: {
    readonly accelerators: Readonly<Record<string, string>>;
    readonly nics: Readonly<Record<string, string>>;
  };
}

/** The Host of `sys` with its device nodes. */
export function platformHost(sys: PlatformSystem): PlatformHost {
  const host = new Host(sys.k);
  const accelerators: Record<string, string> = {};
  for (const a of sys.accelerators) {
    const path = host.devfs.addVfio(a.vfio);
    // The platform promised this number; a mismatch would open the wrong device.
    if (path !== a.cdev) throw new ModelError(`${a.name}: devfs made ${path}, the platform said ${a.cdev}`);
    accelerators[a.name] = path;
    if (a.sibling) host.devfs.addVfio(a.sibling);
  }
  const nics: Record<string, string> = {};
  for (const n of sys.nics) nics[n.name] = host.devfs.addUverbs(n.ib.ibdev);
  return { host, paths: { accelerators, nics } };
}
