/**
 * `tphlab tour`: a short, real walk through the layers on this machine: which live PCI functions
 * can request or complete TPH, a modelled NIC whose TPH the kernel model enables and programs
 * (decoded through the same lspci renderer), a TLP carrying the tag, and what the link carries.
 */
import { encodeStInfo } from "../../hw/platform-firmware.js";
import { bootKernel } from "../../kernel/kernel.js";
import { PCI_TPH_ST_DS_MODE, pcieEnableTph, pcieTphSetStEntry } from "../../kernel/pci/tph.js";
import { pcieTphGetCpuSt, TPH_MEM_TYPE_VM } from "../../kernel/pci/tph-cpu-st.js";
import { walkCapabilities } from "../../pcie/capabilities.js";
import { decodeExpress } from "../../pcie/caps/express.js";
import { formatSlot } from "../../pcie/dump.js";
import { CAP_ID, EXT_CAP_ID } from "../../pcie/registers.js";
import { renderLspci } from "../../report/lspci/render.js";
import { type Command, invoke } from "../command.js";
import type { Io } from "../io.js";
import type { Flags } from "../spec.js";
import { bwCommand } from "./bw.js";
import { readSysfs } from "./lspci.js";
import { tlpCommand } from "./tlp.js";

const RP = "0000:00:01.0";
const NIC = "0000:01:00.0";

interface LiveFunction {
  readonly slot: string;
  /** Offset of the TPH Requester capability, or null. */
  readonly tphRequester: number | null;
  /** DevCap2 TPH Completer Supported, or null when the function is not PCIe. */
  readonly tphCompleter: string | null;
  readonly configBytes: number;
}

/** Every live function: TPH requester capability and TPH completer support. */
function liveFunctions(io: Io): LiveFunction[] {
  return readSysfs(io).devices.map((d) => {
    const walk = walkCapabilities(d.config);
    const tph = walk.entries.find((e) => e.kind === "ext" && e.id === EXT_CAP_ID.TPH);
    const exp = walk.entries.find((e) => e.kind === "std" && e.id === CAP_ID.EXP);
    const comp = exp ? decodeExpress(d.config, exp.offset).devCap2?.tphCompleterName : undefined;
    return {
      slot: formatSlot(d.slot, true),
      tphRequester: tph ? tph.offset : null,
      tphCompleter: comp ?? null,
      configBytes: d.config.length,
    };
  });
}

function liveText(fns: readonly LiveFunction[]): string {
  if (fns.length === 0) return "(no readable /sys/bus/pci/devices on this machine)\n";
  return fns
    .map((f) => {
      const bytes = f.configBytes < 256 ? ` (only ${f.configBytes} bytes readable)` : "";
      const req = f.tphRequester === null ? "no" : `yes, at 0x${f.tphRequester.toString(16)}`;
      return `${f.slot}  TPH requester: ${req}  TPH completer: ${f.tphCompleter ?? "n/a (not PCIe)"}${bytes}\n`;
    })
    .join("");
}

/** Boot the kernel model with one NIC, enable TPH, program a CPU's tag; show it like lspci. */
function modelledNic(): { trace: string[]; lspci: string[] } {
  const k = bootKernel({
    revision: "v11",
    nrCpuIds: 4,
    firmware: {
      rootPorts: {
        [RP]: { stInfo: { 2: "0x" + encodeStInfo({ vm: { st: 0x21, xst: 0x4321 } }).toString(16) } },
      },
    },
    topology: {
      devices: [
        { bdf: RP, type: "root-port", vendor: 0x8086, device: 0x352a, tphCompleter: 3 },
        {
          bdf: NIC,
          parent: RP,
          type: "endpoint",
          vendor: 0x15b3,
          device: 0x1021,
          classCode: 0x020000,
          bars: [{ index: 0, size: 0x2000000, address: "0xe0000000", bits64: true, prefetchable: true }],
          msix: { vectors: 64, bar: 0, offset: 0x2000 },
          tphRequester: { modes: ["ns", "ds"], ext: true, location: "cap", tableSize: 8 },
        },
      ],
    },
  });
  const nic = k.pciDev(NIC)!;
  pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE);
  const st = pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 2);
  pcieTphSetStEntry(k, nic, 1, st.tag);
  const text = renderLspci([{ slot: { domain: 0, bus: 1, device: 0, function: 0 }, config: nic.cfg }], {
    verbosity: 3,
  });
  const lines = text.split("\n");
  const from = lines.findIndex((l) => l.includes("Transaction Processing Hints"));
  return { trace: k.trace.events().map((ev) => k.trace.format(ev)), lspci: lines.slice(from, from + 10) };
}

const ENCODE = ["encode", "--kind", "MWr", "--addr", "0x2000000000", "--len-dw", "16"];
const TPH = ["--th", "--ph", "2", "--st", "0x4321", "--ext", "--requester", "01:00.0"];
const BW = ["--gen", "5", "--width", "16", "--mps", "512", "--mrrs", "4096", "--size", "64,256,4096"];

/** Run another command with its output captured. */
async function captured(argv: readonly string[], io: Io, cmd: Command): Promise<string> {
  const cap = { ...io, out: "", stdout: (t: string) => (cap.out += t) };
  await invoke(cmd, argv, cap);
  return cap.out;
}

async function tour(flags: Flags, io: Io): Promise<number> {
  const json = flags.bool("json") ? ["--json"] : [];
  const live = liveFunctions(io);
  const nic = modelledNic();
  const wire = (await captured([...ENCODE, ...TPH], io, tlpCommand)).trim();
  const decoded = await captured(["decode", wire, ...json], io, tlpCommand);
  const bw = await captured([...BW, ...json], io, bwCommand);
  if (json.length > 0) {
    const out = {
      live,
      modelledNic: { bdf: NIC, trace: nic.trace, lspciTph: nic.lspci },
      tlp: {
        command: `tphlab tlp ${[...ENCODE, ...TPH].join(" ")}`,
        hex: wire,
        decoded: JSON.parse(decoded),
      },
      bandwidth: { command: `tphlab bw ${BW.join(" ")}`, points: JSON.parse(bw) },
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  io.stdout("tphlab tour: PCIe TPH from config space to the wire\n");
  heading(io, 1, "This machine's PCI functions (live sysfs)");
  io.stdout(liveText(live));
  heading(io, 2, "The kernel model enables TPH on a modelled NIC and programs CPU 2's steering tag");
  io.stdout(`${nic.trace.join("\n")}\n`);
  io.stdout(`\n$ tphlab lspci (modelled ${NIC}, TPH part)\n${nic.lspci.join("\n")}\n`);
  heading(io, 3, "A 64-byte write carrying that tag (Extended TPH: ST[15:8] in the prefix)");
  io.stdout(`$ tphlab tlp ${[...ENCODE, ...TPH].join(" ")}\n${wire}\n`);
  io.stdout(`$ tphlab tlp decode ...\n${decoded}`);
  heading(io, 4, "What a Gen5 x16 link carries (pcie-bench model)");
  io.stdout(bw);
  return 0;
}

function heading(io: Io, n: number, title: string): void {
  io.stdout(`\n== ${n}. ${title}\n\n`);
}

export const tourCommand: Command = {
  name: "tour",
  summary: "a short tour: live TPH capabilities, a modelled NIC, a tagged TLP, link bandwidth",
  synopsis: ["[--json]"],
  options: [],
  run: tour,
};
