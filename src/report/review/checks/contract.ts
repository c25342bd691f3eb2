/**
 * The contract proposed closes beyond v11 (issue 8 section 2): a SET retracts a tag importers hold
 * and is validated against what the exporting device declares (series.md open problem 3), and a
 * re-query after invalidation keeps TPH when the ST table is full (open problem 1's lifecycle).
 */
import { ibv_alloc_dmah } from "../../../uapi/verbs.js";
import type { Machine } from "../machine.js";
import { nicTouch, showHints, tlpOf } from "../machine.js";
import {
  exportDmaBuf,
  exportTagged,
  regDmabufMr,
  retag,
  setMemory,
  setTph,
  showTag,
  startApp,
  startOwner,
} from "../program.js";
import { type Check, errnoStr, hex, type Scenario, showC } from "../scenario.js";
import { dmahInitAttr } from "../uapi-h.js";

/** VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT (include/uapi/linux/vfio.h of the series). */
const ST_BOTH = 0x3;

function taggedMr(s: Scenario, m: Machine, tag: { st: number; stExt: number; ph: number }) {
  const owner = startOwner(s, m);
  const app = startApp(s, m);
  const fd = exportTagged(s, m, owner, tag);
  const mr = s.some("ibv_reg_mr_ex(dma-buf)", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
  return { owner, app, fd, mr };
}

const retracts: Check = {
  id: "set-retracts-mapped-tag",
  title: "a SET on a buffer the NIC has mapped retracts the old tag: the next access carries the new one",
  kind: "check",
  ref: "series.md open problem 3; dma_buf_invalidate_mappings() then get_pci_tph() at the next fault",
  openProblem: 3,
  run(s) {
    const m = s.boot();
    const first = { st: 0x21, stExt: 0x4321, ph: 2 };
    const next = { st: 0x22, stExt: 0x5555, ph: 1 };
    const { owner, fd, mr } = taggedMr(s, m, first);
    const before = showHints(tlpOf(m, mr));
    retag(s, m, owner, fd, next);
    const touch = nicTouch(m, mr);
    s.expect(touch >= 0, `NIC access after the SET: fault handler returned ${touch}`);
    const h = tlpOf(m, mr);
    const why = `MR mapped with ${showTag(first)} (${before}); SET ${showTag(next)} with no revoke; next access: NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === next.stExt && h.ph === next.ph, why);
    return why;
  },
};

const validates: Check = {
  id: "set-validates-tag",
  title: "a SET with a tag above what the exporting device declares fails with EINVAL",
  kind: "check",
  ref: "series.md open problem 3 (proposed: vfio checks the device's declared steering tags)",
  openProblem: 3,
  run(s) {
    const m = s.boot({ accTagLimit: { st: 0x3f, stExt: 0x3fff } });
    const owner = startOwner(s, m);
    const fd = s.ok("export", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const over8 = setTph(owner, { fd, flags: ST_BOTH, st: 0x40, stExt: 0x100, ph: 1 });
    s.fails("SET st=0x40 (device declares st <= 0x3f)", over8, owner.libc, "EINVAL");
    const over16 = setTph(owner, { fd, flags: ST_BOTH, st: 0x10, stExt: 0x4000, ph: 1 });
    s.fails("SET st_ext=0x4000 (device declares st_ext <= 0x3fff)", over16, owner.libc, "EINVAL");
    const edge = setTph(owner, { fd, flags: ST_BOTH, st: 0x3f, stExt: 0x3fff, ph: 1 });
    s.ok("SET st=0x3f st_ext=0x3fff", edge, owner.libc);
    return `device declares st <= ${hex(0x3f)}, st_ext <= ${hex(0x3fff)}: st=0x40 ${showC(over8, owner.libc)}, st_ext=0x4000 -1 ${errnoStr(owner.libc.errno)}, the limits themselves accepted`;
  },
};

const requeryFull: Check = {
  id: "requery-full-table-keeps-tph",
  title: "re-query after invalidate with the ST table full still gets the new tag",
  kind: "check",
  ref: "series.md open problem 1; a fresh registration would get it, so the re-query must too",
  openProblem: 1,
  run(s) {
    const m = s.boot();
    const first = { st: 0x21, stExt: 0x4321, ph: 2 };
    const next = { st: 0x22, stExt: 0x5555, ph: 2 };
    const { owner, app, fd, mr } = taggedMr(s, m, first);
    // 8 entries: 0 reserved, the MR's tag holds 1, six CPU tags fill 2..7.
    for (let cpu = 0; cpu < 6; cpu++)
      s.some(
        `ibv_alloc_dmah(cpu ${cpu})`,
        ibv_alloc_dmah(app.ctx, dmahInitAttr({ cpu, memType: 0, ph: 0 })),
        app.libc,
      );
    setMemory(s, owner, false);
    retag(s, m, owner, fd, next);
    setMemory(s, owner, true);
    const touch = nicTouch(m, mr);
    s.expect(touch >= 0, `NIC access after memory is back: fault handler returned ${touch}`);
    const h = tlpOf(m, mr);
    const why = `table full (MR + 6 CPU tags); revoke, SET ${showTag(next)}, re-map: NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === next.stExt, why);
    return why;
  },
};

export const CONTRACT_CHECKS: readonly Check[] = [requeryFull, retracts, validates];
