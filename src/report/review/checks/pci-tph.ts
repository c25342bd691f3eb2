/**
 * The PCI TPH core (drivers/pci/tph.c; linux-tph-stack.md section 1). No syscall reaches these
 * functions, so the scenarios are KUnit-style: they call the in-kernel API on the booted devices
 * and judge return values and what the registers hold, plus what userspace then sees.
 */

import { errnoName } from "../../../kernel/errno.js";
import type { PciDev } from "../../../kernel/pci/pci.js";
import {
  PCI_TPH_ST_DS_MODE,
  PCI_TPH_ST_IV_MODE,
  PCI_TPH_ST_NS_MODE,
  pcieDisableTph,
  pcieEnableTph,
  pcieTphEnabledReqType,
  pcieTphGetCpuSt,
  pcieTphSetStEntry,
  TPH_MEM_TYPE_PM,
  TPH_MEM_TYPE_VM,
} from "../../../kernel/pci/tph.js";
import { ibv_alloc_dmah, ibv_reg_mr_ex } from "../../../uapi/verbs.js";
import type { Machine } from "../machine.js";
import { ACC, NIC, showHints, tlpOf } from "../machine.js";
import { startApp, userMrAttr } from "../program.js";
import { type Check, hex, type Scenario } from "../scenario.js";
import { dmahInitAttr, PCI } from "../uapi-h.js";

function dev(m: Machine, bdf: string): PciDev {
  return m.k.pciDev(bdf)!;
}

/** The TPH Requester Enable field as the device holds it. */
function reqEn(pdev: PciDev): number {
  return (pdev.cfg.read32(pdev.tphCap + PCI.TPH_CTRL) & PCI.TPH_CTRL_REQ_EN_MASK) >> 8;
}

const enableOrder: Check = {
  id: "tph-enable-check-order",
  title: "pcie_enable_tph(): pci=notph, no capability, already enabled, unsupported mode, in this order",
  kind: "check",
  ref: "linux-tph-stack.md 1",
  run(s) {
    const m = s.boot();
    const { k } = m;
    const nic = dev(m, NIC);
    s.kret(
      "accelerator (no TPH Requester capability)",
      pcieEnableTph(k, dev(m, ACC), PCI_TPH_ST_DS_MODE),
      "-EINVAL",
    );
    s.kret("NIC already enabled by mlx5", pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE), "-EBUSY");
    pcieDisableTph(k, nic);
    s.kret("mode IV (not supported)", pcieEnableTph(k, nic, PCI_TPH_ST_IV_MODE), "-EINVAL");
    s.kret("mode 3 (reserved)", pcieEnableTph(k, nic, 3), "-EINVAL");
    s.kret("mode 8 (masked to No ST)", pcieEnableTph(k, nic, 8), "0");
    pcieDisableTph(k, nic);
    s.kret("mode DS", pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE), "0");
    const off = s.boot({ cmdline: "pci=notph" });
    s.kret("pci=notph, enabled device", pcieEnableTph(off.k, dev(off, NIC), PCI_TPH_ST_DS_MODE), "-EINVAL");
    return "no cap -EINVAL, enabled -EBUSY, IV/3 -EINVAL, 8&7=NS 0, DS 0; pci=notph -EINVAL";
  },
};

const negotiation: Check = {
  id: "tph-enable-negotiation",
  title: "the requester type is lowered to the Root Port's completer support; none -> EINVAL",
  kind: "check",
  ref: "linux-tph-stack.md 1",
  run(s) {
    const parts: string[] = [];
    for (const rp of [3, 1] as const) {
      const m = s.boot({ rpCompleter: rp });
      const nic = dev(m, NIC);
      const got = pcieTphEnabledReqType(nic);
      s.expect(
        got === rp && reqEn(nic) === rp,
        `Root Port completer ${rp}: NIC requester type ${got}, Requester Enable ${reqEn(nic)}`,
      );
      parts.push(`RP completer ${rp} -> Requester Enable ${reqEn(nic)}`);
    }
    const none = s.boot({ rpCompleter: 0 });
    const nic = dev(none, NIC);
    s.kret("Root Port completer 0", pcieEnableTph(none.k, nic, PCI_TPH_ST_DS_MODE), "-EINVAL");
    return `${parts.join(", ")}, RP completer 0 -> -EINVAL`;
  },
};

const stEntry: Check = {
  id: "tph-set-st-entry",
  title:
    "pcie_tph_set_st_entry(): table bound -ENXIO (TPH disabled after), not enabled -EINVAL, No ST mode writes nothing",
  kind: "check",
  ref: "linux-tph-stack.md 1",
  run(s) {
    const m = s.boot();
    const { k } = m;
    const nic = dev(m, NIC);
    const entry = (i: number) => nic.cfg.read16(nic.tphCap + PCI.TPH_ST_TABLE + 2 * i);
    s.kret("index 7 of 8", pcieTphSetStEntry(k, nic, 7, 0x1234), "0");
    s.expect(
      entry(7) === 0x1234 && reqEn(nic) === 3,
      `entry 7 holds ${hex(entry(7))}, Requester Enable ${reqEn(nic)}`,
    );
    s.kret("index 8 of 8", pcieTphSetStEntry(k, nic, 8, 0x1), "-ENXIO");
    s.expect(!nic.tphEnabled && reqEn(nic) === 0, "TPH still enabled after a failed ST write");
    s.kret("TPH not enabled", pcieTphSetStEntry(k, nic, 1, 0x1), "-EINVAL");
    s.kret("enable No ST mode", pcieEnableTph(k, nic, PCI_TPH_ST_NS_MODE), "0");
    const before = entry(2);
    s.kret("No ST mode", pcieTphSetStEntry(k, nic, 2, 0x77), "0");
    s.expect(entry(2) === before, `No ST mode wrote entry 2 (${hex(entry(2))})`);
    return "entry 7 written with Requester Enable restored; index 8 -ENXIO and TPH off; not enabled -EINVAL; NS mode 0, nothing written";
  },
};

function cpuSt(s: Scenario, m: Machine, mem: number, cpu: number, want: string, tag?: number): string {
  const r = pcieTphGetCpuSt(m.k, dev(m, NIC), mem, cpu);
  s.kret(`pcie_tph_get_cpu_st(${mem === TPH_MEM_TYPE_PM ? "PM" : "VM"}, cpu ${cpu})`, r.ret, want);
  if (tag !== undefined) s.expect(r.tag === tag, `cpu ${cpu}: tag ${hex(r.tag)}, firmware says ${hex(tag)}`);
  return r.ret ? errnoName(r.ret) : hex(r.tag);
}

const cpuStCheck: Check = {
  id: "tph-get-cpu-st",
  title:
    "pcie_tph_get_cpu_st(): tag width by requester type; -EINVAL for bad cpu, _DSM failure, or no ACPI handle",
  kind: "check",
  // drivers/pci/tph.c pcie_tph_get_cpu_st(): acpi_get_cpu_uid() first; the _DSM runs on
  // ACPI_HANDLE(rp->bus->bridge) and a missing handle fails like the _DSM (tag 0, -EINVAL).
  ref: "linux-tph-stack.md 1; drivers/pci/tph.c pcie_tph_get_cpu_st()",
  run(s) {
    const ext = s.boot();
    const parts = [
      `EXT VM cpu3 ${cpuSt(s, ext, TPH_MEM_TYPE_VM, 3, "0", 0x703)}`,
      `PM ${cpuSt(s, ext, TPH_MEM_TYPE_PM, 3, "0", 0x903)}`,
      `cpu 8 ${cpuSt(s, ext, TPH_MEM_TYPE_VM, 8, "-EINVAL")}`,
    ];
    parts.push(`TPH-only VM cpu3 ${cpuSt(s, s.boot({ rpCompleter: 1 }), TPH_MEM_TYPE_VM, 3, "0", 0x43)}`);
    parts.push(
      `_DSM without func 0xF ${cpuSt(s, s.boot({ dsmFail: "no-func" }), TPH_MEM_TYPE_VM, 3, "-EINVAL", 0)}`,
    );
    parts.push(`no ACPI handle ${cpuSt(s, s.boot({ noAcpi: true }), TPH_MEM_TYPE_VM, 3, "-EINVAL", 0)}`);
    return parts.join(", ");
  },
};

const notph: Check = {
  id: "tph-notph-cmdline",
  title: "pci=notph: no ST table, so no DMAH method (EPROTONOSUPPORT); MRs carry no hints",
  kind: "check",
  // mlx5_st_create() returns NULL under pci=notph; mlx5_ib sets the DMAH ops only `if (mdev->st)`,
  // and uverbs_ioctl.c answers a method without a slot with -EPROTONOSUPPORT.
  ref: "linux-tph-stack.md 1, 2; drivers/infiniband/hw/mlx5/main.c, core/uverbs_ioctl.c",
  run(s) {
    const m = s.boot({ cmdline: "pci=notph" });
    const app = startApp(s, m);
    s.none(
      "ibv_alloc_dmah(cpu 1)",
      ibv_alloc_dmah(app.ctx, dmahInitAttr({ cpu: 1, memType: 0, ph: 0 })),
      app.libc,
      "EPROTONOSUPPORT",
    );
    s.none(
      "ibv_alloc_dmah(ph 1)",
      ibv_alloc_dmah(app.ctx, dmahInitAttr({ ph: 1 })),
      app.libc,
      "EPROTONOSUPPORT",
    );
    const mr = s.some("ibv_reg_mr_ex(addr)", ibv_reg_mr_ex(app.pd, userMrAttr({})), app.libc);
    const h = tlpOf(m, mr);
    s.expect(!h.th, `MR under pci=notph: NIC sends ${showHints(h)}`);
    return `CPU and PH-only DMAH NULL EPROTONOSUPPORT; MR: NIC sends ${showHints(h)}`;
  },
};

export const PCI_TPH_CHECKS: readonly Check[] = [enableOrder, negotiation, stEntry, cpuStCheck, notph];
