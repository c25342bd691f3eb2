/**
 * Test helpers for platforms: boot a preset or a hand-written platform, and the two programs of
 * the P2P story (the accelerator's owner exports a tagged dma-buf; an RDMA application on a named
 * NIC registers it), written against the uapi facade with argument bytes built by hand.
 */
import { layoutPlatform, type PlatformDesc } from "../../../src/hw/platform.js";
import { PLATFORM_PRESETS, type PlatformPresetName } from "../../../src/hw/platform-presets.js";
import { vfioDmaBufStruct } from "../../../src/kernel/include/uapi/linux/vfio.js";
import {
  bootPlatformSystem,
  type PlatformSystem,
  type PlatformSystemOptions,
} from "../../../src/kernel/platform-system.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { dmaBufPayload, dmabufMrAttr } from "../../../src/report/review/program.js";
import { dmaBufTph, featureArg, tphFlags, VFIO } from "../../../src/report/review/uapi-h.js";
import type { Libc } from "../../../src/uapi/libc.js";
import type { PlatformHost } from "../../../src/uapi/platform-host.js";
import {
  type IbvMr,
  ibv_alloc_pd,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_mr_ex,
} from "../../../src/uapi/verbs.js";

export const LINK = { gen: 5, width: 16 } as const;

export function presetDesc(name: PlatformPresetName): PlatformDesc {
  const p = PLATFORM_PRESETS[name];
  return {
    link: LINK,
    switches: p.switches,
    devices: p.devices,
    ...("rootPorts" in p ? { rootPorts: p.rootPorts } : {}),
  };
}

export type Extra = Omit<PlatformSystemOptions, "revision" | "layout">;

export function bootDesc(desc: PlatformDesc, revision: RevisionName, o: Extra = {}): PlatformSystem {
  return bootPlatformSystem({ ...o, revision, layout: layoutPlatform(desc) });
}

export interface Tag {
  readonly st?: number;
  readonly stExt?: number;
  readonly ph: number;
}

/** The owner of accelerator `acc`: open its cdev, export 2 MiB of BAR 0, SET `tag` (when given). */
export function ownerExport(
  ph: PlatformHost,
  acc: string,
  tag?: Tag,
): { libc: Libc; devFd: number; buf: number } {
  const libc = ph.host.spawn(`owner-${acc}`);
  const devFd = libc.open(ph.paths.accelerators[acc]!);
  if (devFd < 0) throw new Error(`open ${acc}: errno ${libc.errno}`);
  const payload = dmaBufPayload(vfioDmaBufStruct(ph.host.k.b));
  const buf = libc.ioctl(
    devFd,
    VFIO.DEVICE_FEATURE,
    featureArg(VFIO.FEATURE_GET | VFIO.FEATURE_DMA_BUF, payload),
  );
  if (buf < 0) throw new Error(`export from ${acc}: errno ${libc.errno}`);
  if (tag) {
    const arg = dmaBufTph({ fd: buf, flags: tphFlags(tag), st: tag.st, stExt: tag.stExt, ph: tag.ph });
    const ret = libc.ioctl(
      devFd,
      VFIO.DEVICE_FEATURE,
      featureArg(VFIO.FEATURE_SET | VFIO.FEATURE_DMA_BUF_TPH, arg),
    );
    if (ret < 0) throw new Error(`SET DMA_BUF_TPH on ${acc}: errno ${libc.errno}`);
  }
  return { libc, devFd, buf };
}

/** An application on the IB device `ibdev` registers the owner's buffer: the MR, or null and errno. */
export function appRegister(
  ph: PlatformHost,
  ibdev: string,
  owner: { libc: Libc; buf: number },
): { mr: IbvMr | null; errno: number; libc: Libc } {
  const libc = ph.host.spawn(`app-${ibdev}`);
  const fd = owner.libc.sendFd(owner.buf, libc);
  const dev = ibv_get_device_list(libc).find((d) => d.name === ibdev);
  if (!dev) throw new Error(`no verbs device ${ibdev}`);
  const ctx = ibv_open_device(libc, dev);
  const pd = ctx ? ibv_alloc_pd(ctx) : null;
  if (!pd) throw new Error(`open/alloc_pd on ${ibdev}: errno ${libc.errno}`);
  const mr = ibv_reg_mr_ex(pd, dmabufMrAttr(fd));
  return { mr, errno: mr ? 0 : libc.errno, libc };
}
