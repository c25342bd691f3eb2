/**
 * VFIO_DEVICE_FEATURE_DMA_BUF_TPH (13), the series' SET-only feature: every check of
 * linux-tph-stack.md section 5 in the kernel's order, driven like a C test program.
 */
import { showHints, tlpOf } from "../machine.js";
import { exportDmaBuf, type Owner, regDmabufMr, setTph, startApp, startOwner } from "../program.js";
import { type Check, type Scenario, showC } from "../scenario.js";
import { dmaBufTph, featureArg, VFIO } from "../uapi-h.js";

const FEATURE = VFIO.FEATURE_DMA_BUF_TPH;
const SET = VFIO.FEATURE_SET;
const BOTH = VFIO.DMA_BUF_TPH_ST | VFIO.DMA_BUF_TPH_ST_EXT;

/** Owner with one exported buffer (no tag yet). */
function ownerWithBuffer(s: Scenario, o: Parameters<Scenario["boot"]>[0] = {}) {
  const m = s.boot(o);
  const owner = startOwner(s, m);
  const fd = s.ok("export DMA_BUF", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
  return { m, owner, fd };
}

/** ioctl(VFIO.DEVICE_FEATURE, flags | 13) with a raw argument. */
function feature(
  owner: Owner,
  flags: number,
  payload: Uint8Array,
  o: { argsz?: number; readable?: number } = {},
) {
  return owner.libc.ioctl(owner.devFd, VFIO.DEVICE_FEATURE, featureArg(flags | FEATURE, payload, o));
}

const absent: Check = {
  id: "tph-absent-returns-eopnotsupp",
  title: "a device that is no TPH completer refuses SET and PROBE with EOPNOTSUPP",
  kind: "check",
  ref: "linux-tph-stack.md 5 (PROBE gated on completer support, v9-v11)",
  run(s) {
    const { owner, fd } = ownerWithBuffer(s, { accCompleter: 0 });
    const set = setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 });
    const setShown = showC(set, owner.libc);
    s.fails("SET on a non-completer", set, owner.libc, "EOPNOTSUPP");
    const probe = feature(owner, VFIO.FEATURE_PROBE | SET, dmaBufTph({ fd, flags: 0 }));
    s.fails("PROBE on a non-completer", probe, owner.libc, "EOPNOTSUPP");
    return `DevCap2 TPH Completer = 0: SET ${setShown}, PROBE ${showC(probe, owner.libc)}`;
  },
};

const setOnly: Check = {
  id: "tph-set-only",
  title: "the feature is SET only; argsz and the copy are checked",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { owner, fd } = ownerWithBuffer(s);
    const p = dmaBufTph({ fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 });
    s.ok("PROBE | SET", feature(owner, VFIO.FEATURE_PROBE | SET, p), owner.libc);
    s.fails("GET", feature(owner, VFIO.FEATURE_GET, p), owner.libc, "EINVAL");
    s.fails("PROBE | GET", feature(owner, VFIO.FEATURE_PROBE | VFIO.FEATURE_GET, p), owner.libc, "EINVAL");
    s.fails("SET with argsz 19", feature(owner, SET, p, { argsz: 19 }), owner.libc, "EINVAL");
    s.fails("SET with 14 readable bytes", feature(owner, SET, p, { readable: 14 }), owner.libc, "EFAULT");
    s.ok("SET", feature(owner, SET, p), owner.libc);
    return "PROBE|SET 0, GET and PROBE|GET -1 EINVAL, argsz 19 -1 EINVAL, short copy -1 EFAULT, SET 0";
  },
};

const badPh: Check = {
  id: "tph-set-rejects-bad-ph",
  title: "a processing hint above 3 is refused with EINVAL",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { owner, fd } = ownerWithBuffer(s);
    for (const ph of [4, 0xff]) {
      const ret = setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph });
      s.fails(`SET ph=${ph}`, ret, owner.libc, "EINVAL");
    }
    s.ok("SET ph=3", setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 3 }), owner.libc);
    return "SET ph=4 and ph=0xff -1 EINVAL, ph=3 0";
  },
};

const badFlags: Check = {
  id: "tph-set-rejects-unknown-flags",
  title: "flag bits other than ST and ST_EXT are refused with EINVAL",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { owner, fd } = ownerWithBuffer(s);
    for (const flags of [1 << 2, (0x80000000 | VFIO.DMA_BUF_TPH_ST) >>> 0]) {
      s.fails(
        `SET flags=0x${flags.toString(16)}`,
        setTph(owner, { fd, flags, st: 0x21 }),
        owner.libc,
        "EINVAL",
      );
    }
    return "SET flags=0x4 and flags=0x80000001 -1 EINVAL";
  },
};

const extNeedsExt: Check = {
  id: "tph-ext-needs-ext-completer",
  title: "a 16-bit tag needs an Extended TPH completer (EOPNOTSUPP otherwise)",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { owner, fd } = ownerWithBuffer(s, { accCompleter: 1 });
    const ext = setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST_EXT, stExt: 0x4321, ph: 2 });
    const extShown = showC(ext, owner.libc);
    s.fails("SET ST_EXT on a TPH-only completer", ext, owner.libc, "EOPNOTSUPP");
    s.fails(
      "SET ST|ST_EXT",
      setTph(owner, { fd, flags: BOTH, st: 0x21, stExt: 0x4321 }),
      owner.libc,
      "EOPNOTSUPP",
    );
    s.ok("SET ST", setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 }), owner.libc);
    return `TPH-only completer: SET ST_EXT ${extShown}, SET ST 0`;
  },
};

const otherDevice: Check = {
  id: "tph-fd-of-other-device",
  title: "the fd must be a dma-buf of this same, still open device",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m, 0);
    const sibling = startOwner(s, m, 1, "sibling-owner");
    const theirs = s.ok("export on the sibling", exportDmaBuf(sibling, m.headers.dmaBufStruct), sibling.libc);
    const ours = s.ok("export", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const tag = { flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 };
    const other = setTph(owner, { fd: sibling.libc.sendFd(theirs, owner.libc), ...tag });
    const otherShown = showC(other, owner.libc);
    s.fails("SET with the sibling's dma-buf", other, owner.libc, "EINVAL");
    s.fails("SET with the device fd", setTph(owner, { fd: owner.devFd, ...tag }), owner.libc, "EINVAL");
    s.fails("SET with fd 999", setTph(owner, { fd: 999, ...tag }), owner.libc, "EBADF");
    // Close the device (its buffers are revoked for good), open it again: the old buffer is refused.
    s.ok("close(device)", owner.libc.close(owner.devFd), owner.libc);
    const again = {
      libc: owner.libc,
      devFd: s.ok("open again", owner.libc.open(m.paths.accs[0]!), owner.libc),
    };
    s.fails(
      "SET with a buffer of the closed device",
      setTph(again, { fd: ours, ...tag }),
      owner.libc,
      "EINVAL",
    );
    return `sibling's buffer ${otherShown}, device fd -1 EINVAL, fd 999 -1 EBADF, buffer from before close -1 EINVAL`;
  },
};

const flagsZero: Check = {
  id: "tph-flags-zero-clears",
  title: "SET with flags == 0 marks both namespaces invalid: later MRs get no TPH",
  kind: "check",
  ref: "linux-tph-stack.md 5 (v9-v11)",
  run(s) {
    const { m, owner, fd } = ownerWithBuffer(s);
    const app = startApp(s, m);
    s.ok("SET st_ext=0x4321", setTph(owner, { fd, flags: BOTH, st: 0x21, stExt: 0x4321, ph: 2 }), owner.libc);
    s.ok("SET flags=0", setTph(owner, { fd, flags: 0 }), owner.libc);
    const mr = s.some("ibv_reg_mr_ex", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
    const h = tlpOf(m, mr);
    const why = `SET st_ext=0x4321 then SET flags=0: MR registered after it, NIC sends ${showHints(h)}`;
    s.expect(!h.th, why);
    return why;
  },
};

const noSubstitute: Check = {
  id: "tph-namespace-not-substituted",
  title: "an 8-bit tag is never used where the 16-bit namespace is asked for",
  kind: "check",
  ref: "linux-tph-stack.md 4 (get_pci_tph: the exporter must not substitute)",
  run(s) {
    const { m, owner, fd } = ownerWithBuffer(s);
    const app = startApp(s, m);
    s.ok("SET st=0x21 only", setTph(owner, { fd, flags: VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 }), owner.libc);
    const mr = s.some("ibv_reg_mr_ex", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
    const h = tlpOf(m, mr);
    const why = `NIC and accelerator do Extended TPH, owner set only st=0x21: NIC sends ${showHints(h)}`;
    s.expect(!h.th, why);
    return why;
  },
};

export const VFIO_TPH_CHECKS: readonly Check[] = [
  absent,
  setOnly,
  badPh,
  badFlags,
  extNeedsExt,
  otherDevice,
  flagsZero,
  noSubstitute,
];
