/**
 * `tphlab calibrate [--json]`: the simulator against pcie-bench's measurements (calibration.md).
 * Runs every published point through the fabric simulator in pcie-bench's set-up
 * (src/hw/fabric/calibration.ts) and prints model vs measured; exit 1 when a point is off by more
 * than the limit (10%).
 */
import { type CalibrationPoint, calibrationNotes, runCalibration } from "../../hw/fabric/calibration.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import type { Flags } from "../spec.js";

const LABEL: Record<CalibrationPoint["metric"], string> = {
  write: "write Gb/s",
  read: "read Gb/s",
  latency: "read latency ns",
};

function table(points: readonly CalibrationPoint[]): string[] {
  const cols = ["", "size (B)", "measured", "model", "error", "link bound", "default NIC"];
  const num = (v: number, unit: string) => (unit === "ns" ? v.toFixed(1) : v.toFixed(2));
  const rows = points.map((p) => [
    `${LABEL[p.metric]}, ${p.cache}`,
    String(p.size),
    p.unit === "ns" ? String(p.measured) : p.measured.toFixed(1),
    num(p.model, p.unit),
    `${p.error >= 0 ? "+" : ""}${(p.error * 100).toFixed(1)}%`,
    p.linkBound === null ? "-" : p.linkBound.toFixed(2),
    num(p.defaultNic, p.unit),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((s, i) => (i === 0 ? s.padEnd(widths[0]!) : s.padStart(widths[i]!))).join("  ");
  return [line(cols), ...rows.map(line)];
}

/** Break `text` into lines of at most `width` characters at spaces, continuation lines indented. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = `  ${word}`;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...out, line];
}

function run(flags: Flags, io: Io): number {
  const r = runCalibration();
  const ok = r.worst <= r.limit;
  const notes = calibrationNotes(r);
  if (flags.bool("json")) {
    io.stdout(`${JSON.stringify({ ...r, ok, notes }, null, 1)}\n`);
    return ok ? 0 : 1;
  }
  const nic = Object.entries(r.device.nic ?? {}).map(([k, v]) => `nic.${k} ${v}`);
  const lines = [
    "pcie-bench (calibration.md): a Gen3 x8 device DMAing to and from host memory of a Xeon E5, MPS 256, MRRS 512.",
    "model: the simulator in that set-up, the default parameters with the measured device's DMA engine:",
    `  ${nic.join(", ")}`,
    "",
    ...table(r.points),
    "",
    `worst error ${(r.worst * 100).toFixed(1)}%: ${ok ? "every point within" : "NOT every point within"} ${r.limit * 100}%.`,
    ...notes.flatMap((n) => wrap(`- ${n}`, 100)),
  ];
  io.stdout(`${lines.join("\n")}\n`);
  return ok ? 0 : 1;
}

export const calibrateCommand: Command = {
  name: "calibrate",
  summary: "the simulator vs pcie-bench's measured bandwidth and latency (model vs measured table)",
  synopsis: ["[--json]"],
  options: [],
  notes:
    "--json prints the points (measured, model, error, link bound, default NIC), the worst error and the notes.\n" +
    "Exit status 1 when a point is off by more than 10%.",
  run,
};
