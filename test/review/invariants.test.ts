/** The invariants see the model's real state: a clean run is clean, and each kind of breakage is named. */
import { describe, expect, it } from "vitest";
import { newMkc } from "../../src/hw/mlx5/ifc.js";
import { type DmaBuf, dmaBufGetPciTph, getDmaBuf } from "../../src/kernel/dma-buf/dma-buf.js";
import { uverbsDmahObject } from "../../src/kernel/infiniband/core/uverbs_std_types_dmah.js";
import { checkInvariants, INVARIANT_NAMES, type InvariantName } from "../../src/kernel/invariants.js";
import type { RevisionName } from "../../src/kernel/revision.js";
import { bootMachine, type Machine, mkeyOf } from "../../src/report/review/machine.js";
import {
  dmabufMrAttr,
  exportTagged,
  regDmabufMr,
  setMemory,
  startApp,
  startOwner,
} from "../../src/report/review/program.js";
import { Scenario } from "../../src/report/review/scenario.js";
import { encodeDmahInitAttr } from "../../src/uapi/rdma/verbs-structs.js";
import { ibv_alloc_dmah, ibv_dereg_mr, ibv_reg_mr_ex } from "../../src/uapi/verbs.js";

function flow(rev: RevisionName = "proposed") {
  const s = new Scenario(rev);
  const m = s.boot();
  const owner = startOwner(s, m);
  const app = startApp(s, m);
  const fd = exportTagged(s, m, owner, { st: 0x21, stExt: 0x4321, ph: 2 });
  const appFd = owner.libc.sendFd(fd, app.libc);
  const mr = regDmabufMr(app, appFd)!;
  const dmabuf = owner.libc.file(fd)!.priv as DmaBuf;
  return { s, m, owner, app, fd, appFd, mr, dmabuf };
}

/** The names of the invariants that fail, with their first violation. */
function broken(m: Machine): Partial<Record<InvariantName, string>> {
  const r = checkInvariants(m.k, { ibdevs: [m.ib] });
  return Object.fromEntries(INVARIANT_NAMES.filter((n) => !r[n].ok).map((n) => [n, r[n].violations[0]]));
}

describe("checkInvariants", () => {
  it("holds on a fresh system, after the P2P flow, and after every process exits", () => {
    expect(broken(bootMachine("v11"))).toEqual({});
    const { m, owner, app } = flow();
    expect(broken(m)).toEqual({});
    app.libc.exit();
    owner.libc.exit();
    expect(broken(m)).toEqual({});
    expect(m.nicHw.mkeys.size).toBe(0);
  });

  it("reports the ST bookkeeping leak (v11) and not after the fix (proposed)", () => {
    for (const rev of ["v11", "proposed"] as const) {
      const { m, mr } = flow(rev);
      expect(ibv_dereg_mr(mr)).toBe(0);
      const b = broken(m);
      if (rev === "v11")
        expect(b).toEqual({
          "no-st-leak": "0000:03:00.0: bookkeeping of ST index 1 (tag 0x4321) never freed",
        });
      else expect(b).toEqual({});
    }
  });

  it("names a use count that disagrees with the owners", () => {
    const { m } = flow();
    m.nic.st!.idxXa.get(1)!.usecount++;
    expect(broken(m)).toEqual({
      "no-st-leak": "0000:03:00.0: ST index 1 (tag 0x4321) use count 2, owners 1",
    });
  });

  it("names leaked references: dma-buf, DMAH, vfio device, mkey", () => {
    const { m, app, dmabuf } = flow();
    getDmaBuf(dmabuf);
    const dmah = ibv_alloc_dmah(app.ctx, encodeDmahInitAttr({ ph: 1 }))!;
    uverbsDmahObject(m.k, app.ctx.cmdFd, dmah.handle)!.usecnt++;
    m.accs[0]!.vdev.refcount++;
    m.nicHw.createMkey(newMkc(), 0x77);
    const r = checkInvariants(m.k, { ibdevs: [m.ib] })["no-ref-leak"].violations;
    expect(r).toEqual([
      "dma-buf 1: 4 references, 3 holders (fds + MRs)",
      "vfio 0000:04:00.0: refcount 4, want 1 + 1 files + 1 dma-bufs",
      "DMAH on mlx5_0: use count 1, 0 MRs",
      "0000:03:00.0: mkey 0x277 belongs to no live MR",
    ]);
  });

  it("names an MR whose translation stays valid on a revoked buffer", () => {
    const { s, m, owner, mr } = flow();
    setMemory(s, owner, false);
    expect(broken(m)).toEqual({});
    m.nicHw.umr(mkeyOf(m, mr)!.index, { xlt: [{ addr: 0x40_0000_0000n, len: 0x1000n }] });
    expect(broken(m)).toEqual({
      "no-mr-on-revoked-buffer": "mkey 0x100 on revoked dma-buf 1: translation still valid",
    });
  });

  it("names held locks and lockdep reports", () => {
    const { m, dmabuf } = flow();
    dmaBufGetPciTph(m.k, dmabuf, true);
    dmabuf.resv.lock("test");
    m.accs[0]!.memoryLock.downWrite(m.k, "test");
    const b = broken(m);
    expect(b["locks-released"]).toBe("dma-buf 1: reservation lock held by test");
    expect(b["lockdep-clean"]).toMatch(/dma_buf_get_pci_tph: dma_resv_assert_held/);
    expect(checkInvariants(m.k)["locks-released"].violations).toContain(
      "vfio 0000:04:00.0: memory_lock held by test",
    );
  });

  it("attributes DMA handles without being told the IB device (one mlx5 device)", () => {
    const { m, app, appFd } = flow();
    const dmah = ibv_alloc_dmah(app.ctx, encodeDmahInitAttr({ cpu: 1, memType: 0, ph: 0 }))!;
    ibv_reg_mr_ex(app.pd, dmabufMrAttr(appFd, { dmah }));
    expect(checkInvariants(m.k)["no-st-leak"].ok).toBe(true);
  });
});
