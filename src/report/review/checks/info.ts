/**
 * Informational entries: documented behaviour no revision changes (series.md open problem 6)
 * and the Root Port reserved-completer quirk (linux-tph-stack.md section 1). Each shows what
 * the revision does; none is pass or fail.
 */
import { type DmaBufOps, dmaBufExport, dmaBufFd } from "../../../kernel/dma-buf/dma-buf.js";
import { EINVAL } from "../../../kernel/errno.js";
import { pcieTphEnabledReqType } from "../../../kernel/pci/tph.js";
import { ibv_alloc_dmah } from "../../../uapi/verbs.js";
import { NIC, showHints, tlpOf } from "../machine.js";
import { type App, regDmabufMr, startApp } from "../program.js";
import type { Check } from "../scenario.js";
import { dmahInitAttr, PCI } from "../uapi-h.js";

const reservedCompleter: Check = {
  id: "tph-rp-reserved-completer",
  title: "a Root Port reporting the reserved TPH Completer value 2",
  kind: "info",
  ref: "linux-tph-stack.md 1 (known quirk; a follow-up folds 2 into none)",
  run(s) {
    const m = s.boot({ rpCompleter: 2 });
    const nic = m.k.pciDev(NIC)!;
    const en = (nic.cfg.read32(nic.tphCap + PCI.TPH_CTRL) & PCI.TPH_CTRL_REQ_EN_MASK) >> 8;
    const what =
      en === 2 ? "the reserved value passes through" : en === 0 ? "folded into none, TPH left off" : "";
    return `Root Port completer 2: NIC requester type ${pcieTphEnabledReqType(nic)}, Requester Enable ${en} (${what})`;
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
      ibv_alloc_dmah(app.ctx, dmahInitAttr({ cpu: 1, memType: 0, ph: 0 })),
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

export const INFO_CHECKS: readonly Check[] = [reservedCompleter, cpuExporter];
