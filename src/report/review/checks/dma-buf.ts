/**
 * The dma-buf contract (linux-tph-stack.md section 4): the tag is read under the reservation lock,
 * and the vfio-pci exporter's attach rules. Parts that no syscall reaches run KUnit-style: the
 * scenario calls the in-kernel API and judges its return value and lockdep's reports.
 */
import {
  type DmaBuf,
  dmaBufAttach,
  dmaBufDetach,
  dmaBufDynamicAttach,
  dmaBufGetPciTph,
  dmaBufMapAttachmentUnlocked,
  dmaBufUnmapAttachmentUnlocked,
} from "../../../kernel/dma-buf/dma-buf.js";
import { errnoName } from "../../../kernel/errno.js";
import {
  exportDmaBuf,
  exportTagged,
  type Owner,
  regDmabufMr,
  setMemory,
  startApp,
  startOwner,
} from "../program.js";
import type { Check, Scenario } from "../scenario.js";

/** The dma-buf behind one of the owner's fds (what the kernel finds with dma_buf_get()). */
function dmabufOf(s: Scenario, owner: Owner, fd: number): DmaBuf {
  const buf = owner.libc.file(fd)?.priv;
  s.expect(buf !== undefined && (buf as DmaBuf).resv !== undefined, `fd ${fd} is not a dma-buf`);
  return buf as DmaBuf;
}

/** A kprobe on the exporter's tag query: records whether the reservation lock was held at each call. */
function probeTagQueries(dmabuf: DmaBuf): boolean[] {
  const held: boolean[] = [];
  const { ops } = dmabuf;
  const pci = ops.getPciTph;
  if (pci)
    ops.getPciTph = (d, extended) => {
      held.push(d.resv.isHeld());
      return pci(d, extended);
    };
  const rfc = ops.getTph;
  if (rfc)
    ops.getTph = (d) => {
      held.push(d.resv.isHeld());
      return rfc(d);
    };
  return held;
}

const resvLock: Check = {
  id: "get-tph-needs-resv-lock",
  title: "the importer reads the tag under the dma-buf's reservation lock; an unlocked read is reported",
  kind: "check",
  ref: "series.md Jun (v6-v8); linux-tph-stack.md 4",
  // The scenario makes one unlocked call on purpose, for lockdep to report.
  expectBroken: ["lockdep-clean"],
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    const fd = exportTagged(s, m, owner, { st: 0x21, stExt: 0x4321, ph: 2 });
    const dmabuf = dmabufOf(s, owner, fd);
    const held = probeTagQueries(dmabuf);
    s.some("ibv_reg_mr_ex", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
    s.expect(held.length > 0, "registering the MR never asked the exporter for its tag");
    const unlocked = held.filter((h) => !h).length;
    s.expect(unlocked === 0, `${unlocked} of ${held.length} tag queries ran without dmabuf->resv held`);
    const before = m.k.violations.length;
    dmaBufGetPciTph(m.k, dmabuf, true);
    s.expect(m.k.violations.length > before, "dma_buf_get_pci_tph() without the lock: lockdep stayed silent");
    return `${held.length} tag queries during registration, all under dmabuf->resv; an unlocked dma_buf_get_pci_tph() is reported`;
  },
};

const attachRules: Check = {
  id: "dma-buf-attach-rules",
  title:
    "vfio-pci exports only to P2P-capable, revocable importers; a revoked buffer cannot be attached or mapped",
  kind: "check",
  ref: "linux-tph-stack.md 4, 5; drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dma_buf_attach() after the revocable-dma-buf work",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const fd = s.ok("export", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const dmabuf = dmabufOf(s, owner, fd);
    const { k } = m;
    // The importer is the NIC: vfio-pci's map asks pci_p2pdma_map_type() about a PCI client.
    const dev = m.nic.name;
    const invalidate = () => {};
    s.kret("static importer", dmaBufAttach(k, dmabuf, dev).ret, "-EOPNOTSUPP");
    s.kret(
      "importer without P2P",
      dmaBufDynamicAttach(k, dmabuf, dev, { allowPeer2peer: false, invalidateMappings: invalidate }).ret,
      "-EOPNOTSUPP",
    );
    // Revocable-dma-buf work (merged): the core no longer demands invalidate_mappings;
    // vfio_pci_dma_buf_attach() refuses an unrevocable importer itself, after the revoked check.
    s.kret(
      "P2P importer without invalidate_mappings",
      dmaBufDynamicAttach(k, dmabuf, dev, { allowPeer2peer: true }).ret,
      "-EOPNOTSUPP",
    );
    const ops = { allowPeer2peer: true, invalidateMappings: invalidate };
    const a = dmaBufDynamicAttach(k, dmabuf, dev, ops);
    s.kret("P2P revocable importer", a.ret, "0");
    const map = dmaBufMapAttachmentUnlocked(k, a.attach!, "bidirectional");
    s.kret("map", map.ret, "0");
    dmaBufUnmapAttachmentUnlocked(k, a.attach!, map.sgt!, "bidirectional");
    setMemory(s, owner, false);
    const revokedMap = dmaBufMapAttachmentUnlocked(k, a.attach!, "bidirectional").ret;
    s.kret("map while revoked", revokedMap, "-ENODEV");
    dmaBufDetach(k, dmabuf, a.attach!);
    s.kret("attach while revoked", dmaBufDynamicAttach(k, dmabuf, dev, ops).ret, "-ENODEV");
    s.kret(
      "unrevocable P2P importer while revoked (revoked is checked first)",
      dmaBufDynamicAttach(k, dmabuf, dev, { allowPeer2peer: true }).ret,
      "-ENODEV",
    );
    s.expect(dmabuf.ops.pin === undefined, "vfio-pci's exporter still has a .pin op");
    return `static, non-P2P and unrevocable importers -EOPNOTSUPP; revoked: map ${errnoName(revokedMap)}, attach -ENODEV (before the revocable check); no .pin`;
  },
};

export const DMA_BUF_CHECKS: readonly Check[] = [resvLock, attachRules];
