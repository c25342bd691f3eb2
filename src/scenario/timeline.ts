/**
 * Timeline events as the programs make them, through the userspace facade:
 * revoke (owner: VFIO_DEVICE_RESET, a config-space write clearing Memory Space Enable, a PM
 * write to D3hot, VFIO_DEVICE_PCI_HOT_RESET, or close() of the device fd), unrevoke (owner:
 * memory decoding back on, D0), set-tph (owner: a new DMA_BUF_TPH SET), reregister (application:
 * ibv_dereg_mr then ibv_reg_mr_ex, so the MR picks up the tag published now).
 */
import { HEADER, PM } from "../pcie/registers.js";
import type { Libc } from "../uapi/libc.js";
import { ibv_dereg_mr } from "../uapi/verbs.js";
import {
  VFIO_DEVICE_PCI_HOT_RESET,
  VFIO_DEVICE_RESET,
  VFIO_PCI_CONFIG_REGION_INDEX,
  vfioRegionOffset,
} from "../uapi/vfio.js";
import type { Scenario, TimelineEvent } from "./scenario-schema.js";
import { kret, registerMr, type Session, setTph } from "./setup.js";

const MEM = HEADER.COMMAND.fields.MEMORY.mask;
const EINVAL = 22;

/** Read-modify-write of a 16-bit config register through the VFIO config region: 0 or -errno. */
function rmw16(owner: Libc, fd: number, offset: number, mask: number, value: number): number {
  const at = vfioRegionOffset(VFIO_PCI_CONFIG_REGION_INDEX, offset);
  const buf = new Uint8Array(2);
  if (owner.pread(fd, buf, at) < 0) return -owner.errno;
  const old = buf[0]! | (buf[1]! << 8);
  const v = (old & ~mask) | (value & mask);
  const ret = owner.pwrite(fd, Uint8Array.of(v & 0xff, v >> 8), at);
  return ret < 0 ? -owner.errno : 0;
}

/** The PM Control register (the program knows its device's PM capability offset). */
function pmCtrl(ses: Session): number {
  const pm = ses.sys.acc.pdev.pmCap;
  return pm ? pm + PM.CTRL.offset : -1;
}

function revoke(ses: Session, by: (TimelineEvent & { action: "revoke" })["by"]): number {
  const { owner, devFd } = ses;
  const STATE = PM.CTRL.fields.STATE;
  switch (by) {
    case "flr":
      return kret(owner, owner.ioctl(devFd, VFIO_DEVICE_RESET));
    case "memory-disable":
      return rmw16(owner, devFd, HEADER.COMMAND.offset, MEM, 0);
    case "d3hot":
      return pmCtrl(ses) < 0 ? -EINVAL : rmw16(owner, devFd, pmCtrl(ses), STATE.mask, STATE.values.D3HOT);
    case "hot-reset":
      return kret(owner, owner.ioctl(devFd, VFIO_DEVICE_PCI_HOT_RESET));
    case "close": {
      const ret = kret(owner, owner.close(devFd));
      if (ret === 0) ses.devFd = -1;
      return ret;
    }
  }
}

/** Memory decoding back on, and D0: the buffers come back (un-revoke). */
function unrevoke(ses: Session): number {
  const STATE = PM.CTRL.fields.STATE;
  const at = pmCtrl(ses);
  if (at >= 0) {
    const ret = rmw16(ses.owner, ses.devFd, at, STATE.mask, STATE.values.D0);
    if (ret < 0) return ret;
  }
  return rmw16(ses.owner, ses.devFd, HEADER.COMMAND.offset, MEM, MEM);
}

/** Run one timeline event at simulated time `now` (ps); the step is recorded. Returns 0 or -errno. */
export function runTimelineEvent(s: Scenario, ses: Session, e: TimelineEvent, now: number): number {
  if (e.action === "reregister") {
    const m = ses.mrs.get(e.mr)!;
    if (m.mr) {
      const err = ibv_dereg_mr(m.mr);
      ses.steps.push({ at: now, who: "app", call: `deregister MR ${m.name}`, ret: -err });
      m.mr = null;
      m.key = 0;
    }
    registerMr(s, ses, m, now);
    return m.mr ? 0 : -ses.app.errno;
  }
  let call: string;
  let ret: number;
  if (e.action === "revoke") {
    call = `revoke (${e.by})`;
    ret = revoke(ses, e.by);
  } else if (e.action === "unrevoke") {
    call = "unrevoke (memory on, D0)";
    ret = unrevoke(ses);
  } else {
    call = `SET TPH on ${e.buffer}`;
    ret = setTph(ses.owner, ses.devFd, ses.buffers.get(e.buffer)!.ownerFd, e);
  }
  ses.steps.push({ at: now, who: "owner", call, ret });
  return ret;
}
