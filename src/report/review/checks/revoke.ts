/**
 * Revocation (linux-tph-stack.md section 5): memory decoding off, function and bus reset, D3hot
 * and close revoke the device's dma-bufs; importers are invalidated and must not map again until
 * the buffer is back (never, after close).
 */
import { errnoName } from "../../../kernel/errno.js";
import type { IbvMr } from "../../../uapi/verbs.js";
import { type Machine, mkeyOf, nicTouch } from "../machine.js";
import {
  configRead,
  configWrite16,
  exportDmaBuf,
  findCap,
  type Owner,
  regDmabufMr,
  setMemory,
  startApp,
  startOwner,
} from "../program.js";
import type { Check, Scenario } from "../scenario.js";
import { PCI, VFIO } from "../uapi-h.js";

function mapped(s: Scenario) {
  const m = s.boot();
  const owner = startOwner(s, m);
  const app = startApp(s, m);
  const fd = s.ok("export DMA_BUF", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
  const appFd = owner.libc.sendFd(fd, app.libc);
  const mr = s.some("ibv_reg_mr_ex", regDmabufMr(app, appFd), app.libc);
  s.expect(mkeyOf(m, mr)?.xltValid === true, "MR not mapped after registration");
  return { m, owner, app, fd, appFd, mr };
}

/** The MR is unmapped and a NIC access faults with ENODEV. */
function expectRevoked(s: Scenario, m: Machine, mr: IbvMr, after: string): void {
  const valid = mkeyOf(m, mr)?.xltValid;
  const touch = nicTouch(m, mr);
  s.expect(
    !valid && touch === -19,
    `after ${after}: mkey translation ${valid ? "still valid" : "zapped"}, NIC access ${errnoName(touch)}, expected zapped and -ENODEV`,
  );
}

/** The next NIC access maps the MR again. */
function expectBack(s: Scenario, m: Machine, mr: IbvMr, after: string): void {
  const touch = nicTouch(m, mr);
  s.expect(
    touch === 0 && mkeyOf(m, mr)?.xltValid === true,
    `after ${after}: NIC access ${errnoName(touch)}, expected 0 (mapped again)`,
  );
}

const blocksMap: Check = {
  id: "revoke-blocks-map",
  title: "a revoked buffer cannot be mapped: the NIC faults with ENODEV until memory is back",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner, mr } = mapped(s);
    setMemory(s, owner, false);
    expectRevoked(s, m, mr, "memory decoding off");
    setMemory(s, owner, true);
    expectBack(s, m, mr, "memory decoding on");
    return "memory off: mkey zapped, NIC access -ENODEV; memory on: re-mapped on the next access";
  },
};

const closePermanent: Check = {
  id: "revoke-on-close-permanent",
  title: "closing the VFIO device revokes its buffers for good",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner, app, appFd, mr } = mapped(s);
    s.ok("close(device)", owner.libc.close(owner.devFd), owner.libc);
    expectRevoked(s, m, mr, "close");
    const again: Owner = {
      libc: owner.libc,
      devFd: s.ok("open again", owner.libc.open(m.paths.accs[0]!), owner.libc),
    };
    setMemory(s, again, true);
    expectRevoked(s, m, mr, "re-open with memory on");
    s.none("new MR on the old buffer", regDmabufMr(app, appFd), app.libc, "ENODEV");
    return "close: mkey zapped, -ENODEV; re-open: still revoked, new MR NULL ENODEV";
  },
};

const resets: Check = {
  id: "revoke-on-reset",
  title: "FLR, bus reset and D3hot invalidate importers; the buffer comes back after",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner, mr } = mapped(s);
    // The sibling function shares the bus: a hot reset needs it bound to vfio-pci (it is) and open.
    const sibling = startOwner(s, m, 1, "sibling-owner");
    s.ok("VFIO_DEVICE_RESET", owner.libc.ioctl(owner.devFd, VFIO.DEVICE_RESET), owner.libc);
    s.expect(mkeyOf(m, mr)?.xltValid === false, "after FLR: mkey translation still valid");
    expectBack(s, m, mr, "FLR");
    s.ok("VFIO_DEVICE_PCI_HOT_RESET", owner.libc.ioctl(owner.devFd, VFIO.DEVICE_PCI_HOT_RESET), owner.libc);
    s.expect(mkeyOf(m, mr)?.xltValid === false, "after hot reset: mkey translation still valid");
    expectBack(s, m, mr, "hot reset");
    const pm = findCap(s, owner, PCI.CAP_ID_PM) + PCI.PM_CTRL;
    const ctrl = configRead(s, owner, pm, 2) & ~PCI.PM_CTRL_STATE_MASK;
    configWrite16(s, owner, pm, ctrl | PCI.PM_D3HOT);
    expectRevoked(s, m, mr, "D3hot");
    configWrite16(s, owner, pm, ctrl | PCI.PM_D0);
    expectBack(s, m, mr, "D0");
    sibling.libc.close(sibling.devFd);
    return "FLR, hot reset: mkey zapped then re-mapped on access; D3hot: -ENODEV; D0: re-mapped";
  },
};

export const REVOKE_CHECKS: readonly Check[] = [blocksMap, closePermanent, resets];
