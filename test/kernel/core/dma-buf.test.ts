import { describe, expect, it } from "vitest";
import {
  type DmaBuf,
  type DmaBufAttachment,
  type DmaBufOps,
  dmaBufAttach,
  dmaBufDetach,
  dmaBufDynamicAttach,
  dmaBufExport,
  dmaBufFd,
  dmaBufGet,
  dmaBufGetPciTph,
  dmaBufGetTph,
  dmaBufInvalidateMappings,
  dmaBufMapAttachment,
  dmaBufMapAttachmentUnlocked,
  dmaBufPut,
  dmaBufUnmapAttachment,
  type SgTable,
} from "../../../src/kernel/dma-buf/dma-buf.js";
import { EBADF, EINVAL, ENODEV, EOPNOTSUPP } from "../../../src/kernel/errno.js";
import { File, type Kernel } from "../../../src/kernel/kernel.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { bootSystem } from "./fixtures.js";

/** A toy P2P exporter: needs a peer-to-peer, revocable importer; map fails with -ENODEV once revoked. */
function toyExporter(tph?: { st: number; xst?: number; ph: number }) {
  const state = { revoked: false, released: 0, attached: 0, pins: 0 };
  const ops: DmaBufOps = {
    attach: (_d, a) => {
      state.attached++;
      return a.peer2peer && a.importerOps?.invalidateMappings ? 0 : -EOPNOTSUPP;
    },
    mapDmaBuf: () =>
      state.revoked
        ? { ret: -ENODEV, sgt: undefined }
        : { ret: 0, sgt: { sgl: [{ dmaAddress: 0xe0000000, length: 0x10000 }] } },
    unmapDmaBuf: () => {},
    release: () => {
      state.released++;
    },
    getPciTph: (_d, extended) => {
      if (!tph) return { ret: -EOPNOTSUPP, st: 0, ph: 0 };
      if (extended)
        return tph.xst === undefined
          ? { ret: -EOPNOTSUPP, st: 0, ph: 0 }
          : { ret: 0, st: tph.xst, ph: tph.ph };
      return { ret: 0, st: tph.st, ph: tph.ph };
    },
    getTph: () => ({ ret: 0, st: tph?.st ?? 0, ph: tph?.ph ?? 0 }),
  };
  return { state, ops };
}

function exportToy(k: Kernel, ops: DmaBufOps): DmaBuf {
  const { ret, dmabuf } = dmaBufExport(k, { exporter: "toy", ops, size: 0x10000, priv: {} });
  expect(ret).toBe(0);
  return dmabuf!;
}

/** A revocable P2P importer that unmaps when invalidated, recording whether resv was held. */
function importer(k: Kernel) {
  const log: string[] = [];
  const ops = {
    allowPeer2peer: true,
    invalidateMappings(a: DmaBufAttachment) {
      log.push(`invalidate held=${a.dmabuf.resv.isHeld()}`);
      if (a.sgt) dmaBufUnmapAttachment(k, a, a.sgt, "bidirectional");
    },
  };
  return { log, ops };
}

describe("dma-buf fds and references", () => {
  it("exports, installs on the lowest free fd, and the last put releases once", () => {
    const { k } = bootSystem();
    const toy = toyExporter();
    const a = exportToy(k, toy.ops);
    const b = exportToy(k, toy.ops);
    expect(dmaBufFd(k, a)).toBe(3);
    expect(dmaBufFd(k, b)).toBe(4);
    expect(a.refcount).toBe(1);
    const got = dmaBufGet(k, 3);
    expect(got).toEqual({ ret: 0, dmabuf: a });
    expect(a.refcount).toBe(2);
    expect(k.fdClose(3)).toBe(0);
    expect(a.refcount).toBe(1);
    expect(toy.state.released).toBe(0);
    expect(dmaBufFd(k, exportToy(k, toy.ops))).toBe(3); // fd 3 is free again
    dmaBufPut(k, a);
    expect(toy.state.released).toBe(1);
    expect(a.refcount).toBe(0);
    expect(k.trace.events("dma_buf_release").map((e) => e.args?.dmabuf)).toEqual([a.id]);
  });

  it("closing the only fd releases; a second close is -EBADF", () => {
    const { k } = bootSystem();
    const toy = toyExporter();
    const fd = dmaBufFd(k, exportToy(k, toy.ops));
    expect(k.fdClose(fd)).toBe(0);
    expect(toy.state.released).toBe(1);
    expect(k.fdClose(fd)).toBe(-EBADF);
  });

  it("dma_buf_get: bad fd -> -EBADF; a file that is not a dma-buf -> -EINVAL without leaking a reference", () => {
    const { k } = bootSystem();
    expect(dmaBufGet(k, 7).ret).toBe(-EBADF);
    const other = new File("vfio-device", {}, () => {});
    const fd = k.fdInstall(other);
    expect(dmaBufGet(k, fd).ret).toBe(-EINVAL);
    expect(other.count).toBe(1);
  });

  it("fd tables are per process", () => {
    const { k } = bootSystem();
    const fd = dmaBufFd(k, exportToy(k, toyExporter().ops));
    const app = k.spawn("rdma-app", [0, 1]);
    k.switchTo(app);
    expect(dmaBufGet(k, fd).ret).toBe(-EBADF);
    expect([...app.allowedCpus]).toEqual([0, 1]);
  });

  it("export rejects a missing priv or an unpaired pin/unpin with -EINVAL", () => {
    const { k } = bootSystem();
    const { ops } = toyExporter();
    expect(dmaBufExport(k, { exporter: "x", ops, size: 1, priv: undefined }).ret).toBe(-EINVAL);
    expect(dmaBufExport(k, { exporter: "x", ops: { ...ops, pin: () => 0 }, size: 1, priv: {} }).ret).toBe(
      -EINVAL,
    );
  });
});

describe("attachments", () => {
  // After the revocable-dma-buf work the core leaves this to the exporter (no -EINVAL any more).
  it("importer ops without invalidate_mappings reach the exporter, which decides", () => {
    const { k } = bootSystem();
    const toy = toyExporter();
    const d = exportToy(k, toy.ops);
    expect(dmaBufDynamicAttach(k, d, "0000:03:00.0", { allowPeer2peer: true }).ret).toBe(-EOPNOTSUPP);
    expect(toy.state.attached).toBe(1);
  });
  it.each([
    ["not peer-to-peer", { allowPeer2peer: false, invalidateMappings: () => {} }],
    ["static (not revocable)", undefined],
  ] as const)("the exporter rejects an importer that is %s", (_n, ops) => {
    const { k } = bootSystem();
    const d = exportToy(k, toyExporter().ops);
    const r = ops ? dmaBufDynamicAttach(k, d, "0000:03:00.0", ops) : dmaBufAttach(k, d, "0000:03:00.0");
    expect(r).toEqual({ ret: -EOPNOTSUPP, attach: undefined });
    expect(d.attachments).toHaveLength(0);
  });

  it("maps with the lock held; after the exporter revokes (invalidate with resv held) map fails -ENODEV", () => {
    const { k } = bootSystem();
    const toy = toyExporter();
    const d = exportToy(k, toy.ops);
    const imp = importer(k);
    const { attach } = dmaBufDynamicAttach(k, d, "0000:03:00.0", imp.ops);
    const m = dmaBufMapAttachmentUnlocked(k, attach!, "bidirectional");
    expect(m.ret).toBe(0);
    expect(attach!.sgt).toEqual<SgTable>({ sgl: [{ dmaAddress: 0xe0000000, length: 0x10000 }] });
    // Exporter revokes: under the reservation lock, mark revoked and invalidate.
    d.resv.lock("toy_revoke");
    toy.state.revoked = true;
    dmaBufInvalidateMappings(k, d);
    d.resv.unlock();
    expect(imp.log).toEqual(["invalidate held=true"]);
    expect(attach!.sgt).toBeUndefined();
    expect(dmaBufMapAttachmentUnlocked(k, attach!, "bidirectional").ret).toBe(-ENODEV);
    expect(k.violations).toEqual([]);
    dmaBufDetach(k, d, attach!);
    expect(d.attachments).toHaveLength(0);
  });

  it("map or invalidate without the reservation lock is a recorded lockdep violation", () => {
    const { k } = bootSystem();
    const d = exportToy(k, toyExporter().ops);
    const { attach } = dmaBufDynamicAttach(k, d, "0000:03:00.0", importer(k).ops);
    expect(dmaBufMapAttachment(k, attach!, "bidirectional").ret).toBe(0);
    dmaBufInvalidateMappings(k, d);
    expect(k.violations).toEqual([
      "dma_buf_map_attachment: dma_resv_assert_held(dmabuf->resv) failed, lock not held",
      "dma_buf_invalidate_mappings: dma_resv_assert_held(dmabuf->resv) failed, lock not held",
      // The importer unmaps from its invalidate callback, so that unmap is unlocked too.
      "dma_buf_unmap_attachment: dma_resv_assert_held(dmabuf->resv) failed, lock not held",
    ]);
  });

  it("a static importer of a dynamic exporter is pinned at map and unpinned at unmap", () => {
    const { k } = bootSystem();
    const toy = toyExporter();
    const { attach: _noAttach, ...rest } = toy.ops;
    const ops: DmaBufOps = {
      ...rest,
      pin: () => {
        toy.state.pins++;
        return 0;
      },
      unpin: () => {
        toy.state.pins--;
      },
    };
    const d = exportToy(k, ops);
    const { attach } = dmaBufAttach(k, d, "0000:03:00.0");
    const { sgt } = dmaBufMapAttachmentUnlocked(k, attach!, "to-device");
    expect(toy.state.pins).toBe(1);
    d.resv.lock("test");
    dmaBufUnmapAttachment(k, attach!, sgt!, "to-device");
    d.resv.unlock();
    expect(toy.state.pins).toBe(0);
  });

  it("taking the reservation lock twice is reported as recursive locking", () => {
    const { k } = bootSystem();
    const d = exportToy(k, toyExporter().ops);
    d.resv.lock("a");
    d.resv.lock("b");
    d.resv.unlock();
    d.resv.unlock();
    expect(k.violations).toEqual([
      "possible recursive locking: b takes dma_resv held by a",
      "bad unlock balance: dma_resv_unlock() of an unheld lock",
    ]);
  });
});

describe("dma_buf_get_pci_tph", () => {
  function setup(revision: RevisionName = "v11", tph?: { st: number; xst?: number; ph: number }) {
    const { k } = bootSystem({ revision });
    return { k, d: exportToy(k, toyExporter(tph).ops) };
  }

  it("with the lock held: the namespace asked for, never the other", () => {
    const { k, d } = setup("v11", { st: 0x21, xst: 0x4321, ph: 2 });
    d.resv.lock("mlx5_ib_reg_dmabuf_mr");
    expect(dmaBufGetPciTph(k, d, false)).toEqual({ ret: 0, st: 0x21, ph: 2 });
    expect(dmaBufGetPciTph(k, d, true)).toEqual({ ret: 0, st: 0x4321, ph: 2 });
    d.resv.unlock();
    expect(k.violations).toEqual([]);
    expect(k.trace.format(k.trace.last("dma_buf_get_pci_tph")!)).toBe(
      "dma_buf_get_pci_tph: dmabuf=1 extended=1 st=0x4321 ph=2 ret=0",
    );
  });

  it("without the lock: the call proceeds but a lockdep violation and its trace event are recorded", () => {
    const { k, d } = setup("v11", { st: 0x21, ph: 1 });
    expect(dmaBufGetPciTph(k, d, false).ret).toBe(0);
    expect(k.violations).toEqual([
      "dma_buf_get_pci_tph: dma_resv_assert_held(dmabuf->resv) failed, lock not held",
    ]);
    const ev = k.trace.last("lockdep")!;
    expect(k.trace.format(ev)).toBe(
      'lockdep: note="dma_buf_get_pci_tph: dma_resv_assert_held(dmabuf->resv) failed, lock not held"',
    );
    expect(ev.seq).toBeLessThan(k.trace.last("dma_buf_get_pci_tph")!.seq);
  });

  it("exporter answers -EOPNOTSUPP for a namespace it has nothing for; the wrapper returns st=ph=0", () => {
    const { k, d } = setup("v11", { st: 0x21, ph: 1 });
    d.resv.lock("t");
    expect(dmaBufGetPciTph(k, d, true)).toEqual({ ret: -EOPNOTSUPP, st: 0, ph: 0 });
    d.resv.unlock();
  });

  it("missing op -> -EOPNOTSUPP", () => {
    const { k } = bootSystem();
    const { getPciTph: _drop, ...ops } = toyExporter({ st: 1, ph: 0 }).ops;
    const d = exportToy(k, ops);
    d.resv.lock("t");
    expect(dmaBufGetPciTph(k, d, false).ret).toBe(-EOPNOTSUPP);
    expect(k.trace.last("dma_buf_get_pci_tph")?.note).toBe("exporter has no get_pci_tph");
  });

  it.each(["mainline", "rfc"] as const)("revision %s has no get_pci_tph -> -EOPNOTSUPP", (rev) => {
    const { k, d } = setup(rev, { st: 1, ph: 0 });
    d.resv.lock("t");
    expect(dmaBufGetPciTph(k, d, false).ret).toBe(-EOPNOTSUPP);
    expect(k.trace.last("dma_buf_get_pci_tph")?.note).toBe(`no get_pci_tph in ${rev}`);
  });

  it("the rfc get_tph op is only there in rfc, and needs no lock", () => {
    const rfc = setup("rfc", { st: 0x33, ph: 3 });
    expect(dmaBufGetTph(rfc.k, rfc.d)).toEqual({ ret: 0, st: 0x33, ph: 3 });
    expect(rfc.k.violations).toEqual([]);
    const v11 = setup("v11", { st: 0x33, ph: 3 });
    expect(dmaBufGetTph(v11.k, v11.d).ret).toBe(-EOPNOTSUPP);
  });
});
