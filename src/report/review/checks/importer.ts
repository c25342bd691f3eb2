/**
 * The mlx5 importer (series.md "The final contract"; linux-tph-stack.md sections 2 and 4): what
 * the NIC sends for an MR registered on a tagged dma-buf, and the open problems 1, 2, 4 and 5.
 */
import { errnoName } from "../../../kernel/errno.js";
import { ibv_alloc_dmah, ibv_dealloc_dmah, ibv_dereg_mr } from "../../../uapi/verbs.js";
import { ACC_BAR, mkeyOf, NIC_DIRECT, nicTouch, showHints, tlpOf } from "../machine.js";
import {
  BUF_LEN,
  exportDmaBuf,
  exportTagged,
  regDmabufMr,
  retag,
  setMemory,
  showTag,
  startApp,
  startOwner,
} from "../program.js";
import { type Check, hex, type Scenario } from "../scenario.js";
import { dmahInitAttr } from "../uapi-h.js";

/** Owner exports a tagged buffer, hands the fd to the app, which registers an MR on it. */
function taggedMr(s: Scenario, o: Parameters<Scenario["boot"]>[0], tag: Parameters<typeof exportTagged>[3]) {
  const m = s.boot(o);
  const owner = startOwner(s, m);
  const app = startApp(s, m);
  const fd = exportTagged(s, m, owner, tag);
  const appFd = owner.libc.sendFd(fd, app.libc);
  const mr = s.some("ibv_reg_mr_ex(dma-buf)", regDmabufMr(app, appFd), app.libc);
  return { m, owner, app, fd, appFd, mr };
}

/** "mkey tph_en=1 ph=2 st_index=1" */
function showMkey(f: { tphEn: boolean; tphPh: number; tphStIndex: number } | undefined): string {
  return f ? `mkey tph_en=${f.tphEn ? 1 : 0} ph=${f.tphPh} st_index=${hex(f.tphStIndex)}` : "no mkey";
}

const p2pTag: Check = {
  id: "p2p-tag-reaches-mkey",
  title: "the owner's tag reaches the MR's mkey and every TLP (table mode, 16-bit namespace)",
  kind: "check",
  ref: "series.md final contract",
  run(s) {
    const tag = { st: 0x21, stExt: 0x4321, ph: 2 };
    const { m, mr } = taggedMr(s, {}, tag);
    const h = tlpOf(m, mr);
    const why = `owner set ${showTag(tag)}; ${showMkey(mkeyOf(m, mr)?.fields)}; NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === 0x4321 && h.ph === 2, why);
    return why;
  },
};

const p2pDirect: Check = {
  id: "p2p-direct-mode-tag",
  title: "direct ST mode: an 8-bit tag is the mkey's ST index itself",
  kind: "check",
  ref: "linux-tph-stack.md 2",
  run(s) {
    const tag = { st: 0x5a, stExt: 0x5a, ph: 1 };
    const { m, mr } = taggedMr(s, { nicTph: NIC_DIRECT }, tag);
    const h = tlpOf(m, mr);
    const f = mkeyOf(m, mr)?.fields;
    const why = `owner set ${showTag(tag)}; ${showMkey(f)}; NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === 0x5a && h.ph === 1 && f?.tphStIndex === 0x5a, why);
    return why;
  },
};

const dmahPrecedence: Check = {
  id: "dmah-takes-precedence",
  title: "a DMAH given at registration wins over the dma-buf's tag",
  kind: "check",
  ref: "series.md; linux-tph-stack.md 3",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    const fd = exportTagged(s, m, owner, { st: 0x21, stExt: 0x4321, ph: 2 });
    const appFd = owner.libc.sendFd(fd, app.libc);
    const attr = dmahInitAttr({ cpu: 2, memType: 0, ph: 1 });
    const dmah = s.some("ibv_alloc_dmah(cpu 2, VM, ph 1)", ibv_alloc_dmah(app.ctx, attr), app.libc);
    const mr = s.some("ibv_reg_mr_ex(dma-buf, DMAH)", regDmabufMr(app, appFd, { dmah }), app.libc);
    const h = tlpOf(m, mr);
    // CPU 2's 16-bit VM tag in the _DSM table the review machine installs (vm xst 0x700 + cpu).
    const cpu = 0x702;
    const why = `dma-buf st_ext=0x4321 ph=2, DMAH cpu 2 (tag ${hex(cpu)}) ph=1: NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === cpu && h.ph === 1, why);
    return why;
  },
};

const requery: Check = {
  id: "requery-after-invalidate",
  title: "after a revoke and a new SET, TLPs carry the new tag",
  kind: "check",
  ref: "series.md open problem 1; linux-tph-stack.md 4",
  openProblem: 1,
  run(s) {
    const first = { st: 0x21, stExt: 0x4321, ph: 2 };
    const next = { st: 0x42, stExt: 0x5555, ph: 1 };
    const { m, owner, fd, mr } = taggedMr(s, {}, first);
    setMemory(s, owner, false);
    retag(s, m, owner, fd, next);
    setMemory(s, owner, true);
    const touch = nicTouch(m, mr);
    s.expect(touch === 0, `NIC access after memory is back: fault handler returned ${errnoName(touch)}`);
    const h = tlpOf(m, mr);
    const why = `SET ${showTag(first)}, revoke, SET ${showTag(next)}, re-map: ${showMkey(mkeyOf(m, mr)?.fields)}, NIC sends ${showHints(h)}`;
    s.expect(h.th && h.st === 0x5555 && h.ph === 1, why);
    return why;
  },
};

const namespace: Check = {
  id: "p2p-namespace-from-completer",
  title: "the 8/16-bit namespace follows the P2P completer (the accelerator), not the Root Port",
  kind: "check",
  ref: "series.md open problem 2",
  openProblem: 2,
  run(s) {
    // Root Port and NIC do Extended TPH; the accelerator completes 8-bit TPH only.
    const tag = { st: 0x21, ph: 2 };
    const { m, mr } = taggedMr(s, { accCompleter: 1 }, tag);
    const h = tlpOf(m, mr);
    const q = m.k.trace.last("dma_buf_get_pci_tph");
    const asked = q
      ? `asked extended=${q.args?.extended ? 1 : 0} -> ${errnoName(q.ret ?? 0)}`
      : "never asked";
    const why = `accelerator completes TPH only, owner set ${showTag(tag)}: NIC ${asked}, sends ${showHints(h)}`;
    s.expect(h.th && h.st === 0x21 && !h.prefix, why);
    return why;
  },
};

const direct16: Check = {
  id: "direct-mode-16bit-tag",
  title: "direct mode never sends a truncated 16-bit tag",
  kind: "check",
  ref: "series.md open problem 4",
  openProblem: 4,
  run(s) {
    const tag = { st: 0x21, stExt: 0x1234, ph: 2 };
    const { m, mr } = taggedMr(s, { nicTph: NIC_DIRECT }, tag);
    const h = tlpOf(m, mr);
    const said = m.k.trace.events("mlx5_st_tag_too_wide").length > 0;
    const why = `direct mode, owner set ${showTag(tag)}: ${showMkey(mkeyOf(m, mr)?.fields)}, NIC sends ${showHints(h)}${said ? ", trace: mlx5_st_tag_too_wide" : ""}`;
    s.expect(h.th ? h.st === 0x1234 : said, why);
    return why;
  },
};

const noLeak: Check = {
  id: "st-index-no-leak",
  title: "N register/deregister cycles leave no ST entry and no bookkeeping behind",
  kind: "check",
  ref: "series.md open problem 5; linux-tph-stack.md 2",
  openProblem: 5,
  run(s) {
    const { m, app, appFd, mr } = taggedMr(s, {}, { st: 0x21, stExt: 0x4321, ph: 2 });
    s.expect(mkeyOf(m, mr)?.fields.tphEn === true, `first MR got no TPH: ${showHints(tlpOf(m, mr))}`);
    s.errval("ibv_dereg_mr", ibv_dereg_mr(mr), 0);
    const cycles = 4;
    for (let i = 0; i < cycles; i++) {
      const again = s.some(`ibv_reg_mr_ex #${i + 2}`, regDmabufMr(app, appFd), app.libc);
      s.errval(`ibv_dereg_mr #${i + 2}`, ibv_dereg_mr(again), 0);
      const d = s.some(
        "ibv_alloc_dmah(cpu 1)",
        ibv_alloc_dmah(app.ctx, dmahInitAttr({ cpu: 1, memType: 0, ph: 0 })),
        app.libc,
      );
      s.errval("ibv_dealloc_dmah", ibv_dealloc_dmah(d), 0);
    }
    const st = m.nic.st!;
    const why = `${cycles + 1} MR and ${cycles} DMAH cycles: ${st.idxXa.size} ST entries in use, ${st.leaked.length} bookkeeping entries leaked`;
    s.expect(st.idxXa.size === 0 && st.leaked.length === 0, why);
    return why;
  },
};

const reuse: Check = {
  id: "st-table-reuses-equal-tag",
  title: "two MRs with an equal tag share one refcounted ST entry",
  kind: "check",
  ref: "linux-tph-stack.md 2",
  run(s) {
    const tag = { st: 0x21, stExt: 0x4321, ph: 2 };
    const { m, owner, app, mr } = taggedMr(s, {}, tag);
    const fd2 = exportTagged(s, m, owner, tag);
    const mr2 = s.some(
      "ibv_reg_mr_ex(second buffer)",
      regDmabufMr(app, owner.libc.sendFd(fd2, app.libc)),
      app.libc,
    );
    const a = mkeyOf(m, mr)?.fields;
    const b = mkeyOf(m, mr2)?.fields;
    const uses = [...m.nic.st!.idxXa.values()].map((e) => `${hex(e.tag)}x${e.usecount}`).join(",");
    const why = `two buffers ${showTag(tag)}: ${showMkey(a)} / st_index=${hex(b?.tphStIndex ?? -1)}, ST table entries [${uses}]`;
    s.expect(!!a?.tphEn && a.tphStIndex === b?.tphStIndex && uses === "0x4321x2", why);
    return why;
  },
};

const fullFallsBack: Check = {
  id: "st-table-full-mr-falls-back",
  title: "with the ST table full, a dma-buf MR is registered without TPH (silent fallback)",
  kind: "check",
  ref: "series.md final contract",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    // 8 entries: index 0 is reserved, 7 CPU tags fill the rest.
    for (let cpu = 0; cpu < 7; cpu++)
      s.some(
        `ibv_alloc_dmah(cpu ${cpu})`,
        ibv_alloc_dmah(app.ctx, dmahInitAttr({ cpu, memType: 0, ph: 0 })),
        app.libc,
      );
    const fd = exportTagged(s, m, owner, { st: 0x21, stExt: 0x4321, ph: 2 });
    const mr = s.some(
      "ibv_reg_mr_ex(dma-buf, table full)",
      regDmabufMr(app, owner.libc.sendFd(fd, app.libc)),
      app.libc,
    );
    const h = tlpOf(m, mr);
    const why = `7 CPU tags fill the table; MR on st_ext=0x4321 registered, NIC sends ${showHints(h)}`;
    s.expect(!h.th, why);
    return why;
  },
};

const unsetTag: Check = {
  id: "unset-tag-no-tph",
  title: "a buffer whose owner never gave a tag yields no TPH",
  kind: "check",
  ref: "series.md RFC review: the exporter must fail without a tag",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    const fd = s.ok("export DMA_BUF", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const mr = s.some("ibv_reg_mr_ex", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
    const h = tlpOf(m, mr);
    const why = `no tag set: ${showMkey(mkeyOf(m, mr)?.fields)}, NIC sends ${showHints(h)}`;
    s.expect(!h.th, why);
    return why;
  },
};

const ownBuffer: Check = {
  id: "mr-tag-from-own-buffer",
  title: "the tag comes from the buffer the MR maps, even if the fd is reused meanwhile",
  kind: "check",
  ref: "series.md May (v3-v5): time-of-check/time-of-use fix",
  run(s) {
    const m = s.boot({ nicTph: NIC_DIRECT });
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    const fdA = exportTagged(s, m, owner, { st: 0x21, stExt: 0x21, ph: 2 });
    const second = [{ offset: BigInt(BUF_LEN), length: BigInt(BUF_LEN) }];
    const fdB = exportTagged(s, m, owner, { st: 0x42, stExt: 0x42, ph: 1 }, second);
    const a = owner.libc.sendFd(fdA, app.libc);
    const b = owner.libc.sendFd(fdB, app.libc);
    // A second thread of the app reuses fd `a` while the registration runs.
    let raced = false;
    m.ib.faults.beforeTphFdLookup = () => {
      raced = true;
      app.libc.dup2(b, a);
    };
    const mr = s.some("ibv_reg_mr_ex(A)", regDmabufMr(app, a), app.libc);
    if (!raced) app.libc.dup2(b, a);
    const maps = mkeyOf(m, mr)?.xlt[0]?.addr;
    const h = tlpOf(m, mr);
    const why = `thread 2 dup2()s B onto A's fd during registration: MR maps ${maps === undefined ? "nothing" : `0x${maps.toString(16)}`} (A), NIC sends ${showHints(h)} (A has 0x21, B 0x42)`;
    s.expect(maps === BigInt(ACC_BAR) && h.th && h.st === 0x21, why);
    return why;
  },
};

export const IMPORTER_CHECKS: readonly Check[] = [
  p2pTag,
  p2pDirect,
  dmahPrecedence,
  requery,
  namespace,
  direct16,
  noLeak,
  reuse,
  fullFallsBack,
  unsetTag,
  ownBuffer,
];
