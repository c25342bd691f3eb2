/**
 * `tphlab bw`: the analytic link bandwidth model (src/pcie/link.ts) for a list of transfer sizes,
 * as a table or, with --json, one object per size.
 */
import { InputError, type Issue } from "../../base/errors.js";
import {
  type BandwidthPoint,
  type LinkBandwidth,
  linkModel,
  resolveLinkConfig,
  sizeIssue,
  validateLinkConfig,
} from "../../pcie/link.js";
import { GEN_INFO } from "../../pcie/link-tables.js";
import { intFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import type { Flags, OptionSpec } from "../spec.js";

const POW2 = ["128", "256", "512", "1024", "2048", "4096"];

const OPTIONS: readonly OptionSpec[] = [
  { name: "gen", value: "N", help: "PCIe generation, 1..6", complete: ["1", "2", "3", "4", "5", "6"] },
  {
    name: "width",
    value: "N",
    help: "lanes: 1, 2, 4, 8, 12, 16 or 32",
    complete: ["1", "2", "4", "8", "12", "16", "32"],
  },
  { name: "mps", value: "N", help: "Max Payload Size: 128..4096, a power of two", complete: POW2 },
  { name: "mrrs", value: "N", help: "Max Read Request Size: 128..4096, a power of two", complete: POW2 },
  {
    name: "addr",
    value: "32|64",
    help: "address size of MRd/MWr headers (default 64)",
    complete: ["32", "64"],
  },
  { name: "ecrc", help: "add a 4-byte ECRC digest to every TLP" },
  { name: "size", value: "LIST", help: "comma-separated transfer sizes in bytes, e.g. 64,256,1500" },
];

/** Report problems in the order of OPTIONS (Array.prototype.sort is stable). */
const flagOrder = (path: string): number => OPTIONS.findIndex((o) => `--${o.name}` === path);

interface BwRequest {
  readonly model: LinkBandwidth;
  readonly sizes: readonly number[];
  readonly json: boolean;
}

/** Parse and validate every flag, reporting all problems at once (paths are flag names). */
function parseRequest(flags: Flags): BwRequest {
  const issues: Issue[] = [];
  const num = (flag: string): number | undefined => {
    const text = flags.string(flag);
    if (text === undefined) return undefined;
    try {
      return intFlag(`--${flag}`, text, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues);
      return undefined;
    }
  };
  const cfg = {
    gen: num("gen"),
    width: num("width"),
    mps: num("mps"),
    mrrs: num("mrrs"),
    addr: flags.string("addr") === undefined ? 64 : num("addr"),
    ecrc: flags.bool("ecrc"),
  };
  const parsed = new Set(issues.map((i) => i.path));
  // A flag whose text was not a number is already reported; do not add "is required" for it.
  issues.push(...validateLinkConfig(cfg, "--").filter((i) => !parsed.has(i.path)));
  const sizes = parseSizeList(flags.string("size"), issues);
  if (issues.length > 0) throw new InputError(issues.sort((a, b) => flagOrder(a.path) - flagOrder(b.path)));
  return { model: linkModel(resolveLinkConfig(cfg, "--")), sizes, json: flags.bool("json") };
}

/** `--size 64,1500,4096`: positive integer byte counts, each problem reported with its position. */
function parseSizeList(text: string | undefined, issues: Issue[]): number[] {
  if (text === undefined) {
    issues.push({ code: "required", path: "--size", message: "is required (comma-separated byte counts)" });
    return [];
  }
  const sizes: number[] = [];
  text.split(",").forEach((item, i) => {
    const t = item.trim();
    const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
    const issue = sizeIssue(n, "--size");
    if (issue) {
      issues.push({
        ...issue,
        message: `item ${i + 1}: expected a positive integer byte count, found '${t}'`,
      });
    } else {
      sizes.push(n);
    }
  });
  return sizes;
}

const pct = (share: number): string => `${(share * 100).toFixed(2)}%`;

function header(m: LinkBandwidth): string[] {
  const c = m.config;
  const info = GEN_INFO[c.gen];
  const l = m.linkLayer;
  return [
    `PCIe Gen${c.gen} x${c.width} (${info.gtps} GT/s, ${info.encodingName}), MPS ${c.mps}, MRRS ${c.mrrs}, ` +
      `${c.addr}-bit addresses, ${c.ecrc ? "ECRC" : "no ECRC"}`,
    `raw ${m.rawGbps.toFixed(2)} Gb/s, TLP ${m.tlpGbps.toFixed(2)} Gb/s ` +
      `(Ack ${pct(l.ackShare)}, UpdateFC ${pct(l.updateFcShare)}, SKP ${pct(l.skpShare)} of raw)`,
    `per-TLP overhead: MWr ${m.perTlp.MWr} B, MRd ${m.perTlp.MRd} B, CplD ${m.perTlp.CplD} B`,
  ];
}

function table(points: readonly BandwidthPoint[]): string[] {
  const cols = ["size (B)", "write Gb/s", "read Gb/s", "read+write Gb/s"];
  const rows = points.map((p) => [
    String(p.size),
    p.writeGbps.toFixed(2),
    p.readGbps.toFixed(2),
    p.readWriteGbps.toFixed(2),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((s, i) => s.padStart(widths[i] ?? 0)).join("  ");
  return [line(cols), ...rows.map(line)];
}

function run(flags: Flags, io: Io): number {
  const { model, sizes, json } = parseRequest(flags);
  const points = sizes.map((s) => model.at(s));
  if (json) {
    io.stdout(`${JSON.stringify(points, null, 2)}\n`);
    for (const n of model.notes) io.stderr(`tphlab bw: note: ${n}\n`);
    return 0;
  }
  const lines = [
    ...header(model),
    "",
    ...table(points),
    "",
    "read+write: a read and a write of the same size at once; Gb/s of data in each direction.",
    ...model.notes.map((n) => `note: ${n}`),
  ];
  io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

export const bwCommand: Command = {
  name: "bw",
  summary: "analytic PCIe link bandwidth (pcie-bench model) for transfer sizes",
  synopsis: ["--gen N --width N --mps N --mrrs N [--addr 32|64] [--ecrc] --size LIST [--json]"],
  options: OPTIONS,
  notes: "--json prints a JSON array, one object per size.",
  run,
};
