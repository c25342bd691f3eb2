/**
 * Timeline events as the programs make them, through the userspace facade:
 * revoke (owner: VFIO_DEVICE_RESET, a config-space write clearing Memory Space Enable, a PM
 * write to D3hot, VFIO_DEVICE_PCI_HOT_RESET, or close() of the device fd), unrevoke (owner:
 * memory decoding back on, D0), set-tph (owner: a new DMA_BUF_TPH SET), reregister (application:
 * ibv_dereg_mr then ibv_reg_mr_ex, so the MR picks up the tag published now). On a platform each
 * accelerator has its own owner: the event's owner is the one of the accelerator it names (see
 * eventDevice), and a re-registration goes to the PD of the MR's NIC.
 */
import { ModelError } from "../../base/errors.js";
import { HEADER, PM } from "../../pcie/registers.js";
import type { Libc } from "../../uapi/libc.js";
import { ibv_dereg_mr } from "../../uapi/verbs.js";
import {
  VFIO_DEVICE_PCI_HOT_RESET,
  VFIO_DEVICE_RESET,
  VFIO_PCI_CONFIG_REGION_INDEX,
  vfioRegionOffset,
} from "../../uapi/vfio.js";
import { eventDevice } from "../platform.js";
import type { Scenario, TimelineEvent } from "../scenario-schema.js";
import { kret, type OwnerSession, registerMr, type Session, setTph } from "../setup.js";

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
function pmCtrl(o: OwnerSession): number {
  const pm = o.vdev.pdev.pmCap;
  return pm ? pm + PM.CTRL.offset : -1;
}

function revoke(o: OwnerSession, by: (TimelineEvent & { action: "revoke" })["by"]): number {
  const { owner, devFd } = o;
  const STATE = PM.CTRL.fields.STATE;
  switch (by) {
    case "flr":
      return kret(owner, owner.ioctl(devFd, VFIO_DEVICE_RESET));
    case "memory-disable":
      return rmw16(owner, devFd, HEADER.COMMAND.offset, MEM, 0);
    case "d3hot":
      return pmCtrl(o) < 0 ? -EINVAL : rmw16(owner, devFd, pmCtrl(o), STATE.mask, STATE.values.D3HOT);
    case "hot-reset":
      return kret(owner, owner.ioctl(devFd, VFIO_DEVICE_PCI_HOT_RESET));
    case "close": {
      const ret = kret(owner, owner.close(devFd));
      if (ret === 0) o.devFd = -1;
      return ret;
    }
  }
}

/** Memory decoding back on, and D0: the buffers come back (un-revoke). */
function unrevoke(o: OwnerSession): number {
  const STATE = PM.CTRL.fields.STATE;
  const at = pmCtrl(o);
  if (at >= 0) {
    const ret = rmw16(o.owner, o.devFd, at, STATE.mask, STATE.values.D0);
    if (ret < 0) return ret;
  }
  return rmw16(o.owner, o.devFd, HEADER.COMMAND.offset, MEM, MEM);
}

/** The owner of the accelerator event `e` acts on (the names were checked at load). */
function ownerOf(s: Scenario, ses: Session, e: TimelineEvent): OwnerSession {
  const device = eventDevice(s, e);
  const o = ses.owners.get(device ?? "");
  if (!o) throw new ModelError(`timeline ${e.action} at ${e.at} ps: no owner for accelerator '${device}'`);
  return o;
}

/** Deregister MR `name` if it is registered, then register it again (on its NIC's PD). */
function reregister(s: Scenario, ses: Session, name: string, now: number): number {
  const m = ses.mrs.get(name)!;
  if (m.mr) {
    const err = ibv_dereg_mr(m.mr);
    ses.steps.push({ at: now, who: "app", call: `deregister MR ${m.name}`, ret: err ? -err : 0 });
    m.mr = null;
    m.key = 0;
  }
  registerMr(s, ses, m, now);
  return m.mr ? 0 : -ses.app.errno;
}

/**
 * Run one timeline event at simulated time `now` (ps); the step is recorded. Returns 0 or -errno.
 * On a platform the step names the accelerator whose owner acted (`revoke acc1 (flr)`).
 */
export function runTimelineEvent(s: Scenario, ses: Session, e: TimelineEvent, now: number): number {
  if (e.action === "reregister") return reregister(s, ses, e.mr, now);
  const o = ownerOf(s, ses, e);
  const on = ses.namesDevices ? ` ${eventDevice(s, e)}` : "";
  let call: string;
  let ret: number;
  if (e.action === "revoke") {
    call = `revoke${on} (${e.by})`;
    ret = revoke(o, e.by);
  } else if (e.action === "unrevoke") {
    call = `unrevoke${on} (memory on, D0)`;
    ret = unrevoke(o);
  } else {
    call = `SET TPH on ${e.buffer}`;
    ret = setTph(o.owner, o.devFd, ses.buffers.get(e.buffer)!.ownerFd, e);
  }
  ses.steps.push({ at: now, who: "owner", call, ret });
  return ret;
}
