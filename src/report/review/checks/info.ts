/**
 * Informational entries: documented behaviour no revision changes (series.md open problems 3
 * and 6) and the Root Port reserved-completer quirk (linux-tph-stack.md section 1). Each shows what
 * the revision does; none is pass or fail.
 */
import { type DmaBufOps, dmaBufExport, dmaBufFd } from "../../../kernel/dma-buf/dma-buf.js";
import { EINVAL } from "../../../kernel/errno.js";
import { VFIO_DMA_BUF_TPH_ST, VFIO_DMA_BUF_TPH_ST_EXT } from "../../../kernel/include/uapi/linux/vfio.js";
import { pcieTphEnabledReqType } from "../../../kernel/pci/tph.js";
import { getField } from "../../../pcie/bits.js";
import { TPH } from "../../../pcie/registers.js";
import { encodeDmahInitAttr } from "../../../uapi/rdma/verbs-structs.js";
import { ibv_alloc_dmah } from "../../../uapi/verbs.js";
import { NIC, showHints, tlpOf } from "../machine.js";
import { type App, exportDmaBuf, regDmabufMr, setTph, startApp, startOwner } from "../program.js";
import { type Check, showC } from "../scenario.js";

const reservedCompleter: Check = {
  id: "tph-rp-reserved-completer",
  title: "a Root Port reporting the reserved TPH Completer value 2",
  kind: "info",
  ref: "linux-tph-stack.md 1 (known quirk; a follow-up folds 2 into none)",
  run(s) {
    const m = s.boot({ rpCompleter: 2 });
    const nic = m.k.pciDev(NIC)!;
    const en = getField(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset), TPH.CTRL.fields.REQ_EN.mask);
    const what =
      en === 2 ? "the reserved value passes through" : en === 0 ? "folded into none, TPH left off" : "";
    return `Root Port completer 2: NIC requester type ${pcieTphEnabledReqType(nic)}, Requester Enable ${en} (${what})`;
  },
};

const noValidation: Check = {
  id: "tph-no-validation-no-retraction",
  title: "tags are not range-checked and a new SET does not retract a tag an MR holds",
  kind: "info",
  ref: "series.md open problem 3",
  openProblem: 3,
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const app = startApp(s, m);
    const fd = s.ok("export", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const flags = VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT;
    const set = setTph(owner, { fd, flags, st: 0xff, stExt: 0xffff, ph: 3 });
    s.ok("SET st_ext=0xffff", set, owner.libc);
    const mr = s.some("ibv_reg_mr_ex", regDmabufMr(app, owner.libc.sendFd(fd, app.libc)), app.libc);
    const first = showHints(tlpOf(m, mr));
    const again = setTph(owner, { fd, flags, st: 0x11, stExt: 0x1111, ph: 1 });
    return `SET st_ext=0xffff accepted (${set}); MR sends ${first}; SET st_ext=0x1111 (${showC(again, owner.libc)}) leaves the MR sending ${showHints(tlpOf(m, mr))}`;
  },
};

/**
 * A CPU-memory exporter such as udmabuf, as a model test module: exports host pages, has no
 * get_pci_tph. Installs the new fd in `app`'s process (what UDMABUF_CREATE returns).
 */
function hostMemoryDmaBuf(app: App, size: number): number {
  const ops: DmaBufOps = {
    attach: () => 0,
    mapDmaBuf: () => ({ ret: 0, sgt: { sgl: [{ dmaAddress: 0x1_0000_0000, length: size }] } }),
    unmapDmaBuf: () => {},
    release: () => {},
  };
  return app.libc.syscall("ioctl", { cmd: "UDMABUF_CREATE", size }, (k) => {
    const { ret, dmabuf } = dmaBufExport(k, { exporter: "udmabuf", ops, size, priv: { host: true } });
    return ret || !dmabuf ? ret || -EINVAL : dmaBufFd(k, dmabuf);
  });
}

const cpuExporter: Check = {
  id: "tph-cpu-memory-exporter",
  title: "a CPU-memory dma-buf exporter gives no tag; only a DMAH steers toward a CPU",
  kind: "info",
  ref: "series.md open problem 6",
  openProblem: 6,
  run(s) {
    const m = s.boot();
    const app = startApp(s, m);
    const fd = s.ok("UDMABUF_CREATE", hostMemoryDmaBuf(app, 0x10000), app.libc);
    const mr = s.some("ibv_reg_mr_ex(host dma-buf)", regDmabufMr(app, fd, { length: 0x10000 }), app.libc);
    const why = m.k.trace.last("mlx5_ib_dmabuf_no_tph")?.note;
    const dmah = s.some(
      "ibv_alloc_dmah(cpu 1)",
      ibv_alloc_dmah(app.ctx, encodeDmahInitAttr({ cpu: 1, memType: 0, ph: 0 })),
      app.libc,
    );
    const withDmah = s.some(
      "ibv_reg_mr_ex(host dma-buf, DMAH)",
      regDmabufMr(app, fd, { length: 0x10000, dmah }),
      app.libc,
    );
    return `host-memory dma-buf: MR sends ${showHints(tlpOf(m, mr))}${why ? ` (${why})` : ""}; with a DMAH for CPU 1: ${showHints(tlpOf(m, withDmah))}`;
  },
};

export const INFO_CHECKS: readonly Check[] = [reservedCompleter, noValidation, cpuExporter];
