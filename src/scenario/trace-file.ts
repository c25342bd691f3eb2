/**
 * Arrival traces: a flow's messages replayed from a CSV file, one `time,size` line per message.
 *
 *   time,size          <- optional header (exactly these two words)
 *   0ns,4096           <- time after the flow's start (a unit is required, as in scenario
 *   1.5us,64KiB           files), then bytes (bare, or with a unit); times never decrease
 *   # comment, or a blank line: skipped
 *
 * A header `time_ns,size` (or _ps, _us, _ms, _s) gives bare times that unit, as tools that
 * export timestamps write them (`1500,4096`).
 *
 * The file is named relative to the scenario file, read as a regular file of at most
 * MAX_TRACE_BYTES (base/input-file.ts), and every bad line is reported as `FILE:LINE: what`.
 */
import { dirname, isAbsolute, join } from "node:path";
import { InputError, type Issue } from "../base/errors.js";
import { formatByteLimit } from "../base/input-file.js";
import { MAX_MESSAGE_BYTES } from "../hw/fabric/flow-spec.js";
import { BAD, describeValue, type Path, type Reporter, type Schema } from "./schema.js";
import { formatSize, formatTimePs, parseQuantity, scaled } from "./units.js";

/** A trace as a scenario holds it: the file as written, and its messages once read. */
export interface TraceRef {
  readonly file: string;
  /** Integer picoseconds after the flow's start, non-decreasing. */
  readonly timesPs: readonly number[];
  /** Bytes, each in 1..MAX_TRACE_MESSAGE. */
  readonly sizes: readonly number[];
}

/** Largest trace file: 16 MiB, about a million messages. */
export const MAX_TRACE_BYTES = 16 * 1024 * 1024;
/** Largest message in a trace: the scenario's size limit (1 GiB). */
export const MAX_TRACE_MESSAGE = Math.min(2 ** 30, MAX_MESSAGE_BYTES);
/** Bad lines reported before giving up on a file. */
const MAX_LINE_ISSUES = 10;

/** The `trace:` key: a path; the messages are filled in by readTraces() when the file is read. */
export const TRACE_FILE: Schema<TraceRef> = {
  type: "path of a CSV file",
  expected: "a path to a CSV file of time,size lines",
  accepts: (v) => typeof v === "string",
  show: (t) => t.file,
  parse(v, path, r) {
    if (typeof v === "string" && v.trim() !== "" && !v.includes("\u0000"))
      return { file: v, timesPs: [], sizes: [] };
    r.report(path, "type", `expected a path to a CSV file of time,size lines, found ${describeValue(v)}`);
    return BAD;
  },
};

interface Parsed {
  readonly timesPs: number[];
  readonly sizes: number[];
  readonly issues: Issue[];
}

/** The usual line, `1500ns,4096` (or `1500,4096` under a unit header): no general parser needed. */
const PLAIN_LINE = /^(\d+(?:\.\d+)?)(ps|ns|us|ms|s)?,(\d+)$/;
const TIME_UNIT: Readonly<Record<string, number>> = { ps: 1, ns: 1e3, us: 1e6, ms: 1e9, s: 1e12 };
/** The header: `time,size`, or `time_UNIT,size` for bare times in UNIT. */
const HEADER = /^time(?:_(ps|ns|us|ms|s))?,size$/;

/**
 * Parse one data line into `out` (bare times in `unit`, if given); returns the line's time when
 * valid (the next line's floor), else `prev`.
 */
function parseLine(line: string, prev: number, unit: string | undefined, where: string, out: Parsed): number {
  const m = PLAIN_LINE.exec(line);
  const u = m?.[2] ?? unit;
  if (m !== null && u !== undefined && out.issues.length === 0) {
    const t = scaled(Number(m[1]), TIME_UNIT[u]!);
    const n = Number(m[3]);
    if (Number.isSafeInteger(t) && t >= prev && n >= 1 && n <= MAX_TRACE_MESSAGE) {
      out.timesPs.push(t);
      out.sizes.push(n);
      return t;
    }
  }
  return parseGeneral(line, prev, unit, where, out);
}

/** Any other line: the scenario files' quantity syntax, and a message for each problem. */
function parseGeneral(
  line: string,
  prev: number,
  unit: string | undefined,
  where: string,
  out: Parsed,
): number {
  const bad = (message: string) => out.issues.push({ code: "trace", path: where, message });
  const fields = line.split(",").map((x) => x.trim());
  if (fields.length !== 2) {
    bad(`expected 2 fields 'time,size', found ${fields.length}`);
    return prev;
  }
  let t = parseQuantity("time", fields[0]);
  if (typeof t === "string" && unit !== undefined && t.startsWith("missing unit"))
    t = parseQuantity("time", `${fields[0]}${unit}`);
  const n = parseQuantity("size", fields[1]);
  if (typeof t === "string") bad(`time: expected a time such as 1.5us, found "${fields[0]}": ${t}`);
  else if (!(Number.isSafeInteger(t) && t >= 0))
    bad(`time: expected a whole number of picoseconds >= 0, found "${fields[0]}"`);
  else if (t < prev) bad(`time ${formatTimePs(t)} is before the previous line's ${formatTimePs(prev)}`);
  if (typeof n === "string") bad(`size: expected a size such as 4096 or 4KiB, found "${fields[1]}": ${n}`);
  else if (!(Number.isInteger(n) && n >= 1 && n <= MAX_TRACE_MESSAGE))
    bad(
      `size: expected a whole number of bytes in 1..${formatSize(MAX_TRACE_MESSAGE)}, found "${fields[1]}"`,
    );
  if (typeof t === "number" && typeof n === "number" && out.issues.length === 0) {
    out.timesPs.push(t);
    out.sizes.push(n);
  }
  return typeof t === "number" && Number.isSafeInteger(t) && t >= prev ? t : prev;
}

/** The messages of trace text `text` (named `file` in issues), or every problem with its line. */
export function parseTraceCsv(text: string, file: string): Parsed {
  const out: Parsed = { timesPs: [], sizes: [], issues: [] };
  const lines = text.split("\n");
  let header = true;
  let unit: string | undefined;
  let prev = 0;
  for (let i = 0; i < lines.length && out.issues.length < MAX_LINE_ISSUES; i++) {
    const line = lines[i]!.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const first = header;
    header = false;
    if (first && /^[A-Za-z_]/.test(line)) {
      const h = HEADER.exec(line.replace(/\s+/g, "").toLowerCase());
      if (h === null)
        out.issues.push({
          code: "trace",
          path: `${file}:${i + 1}`,
          message: `expected the header 'time,size' (or time_ns,size for bare times in ns) or a first line such as '0ns,4096', found ${describeValue(line)}`,
        });
      unit = h?.[1];
      continue;
    }
    prev = parseLine(line, prev, unit, `${file}:${i + 1}`, out);
  }
  if (out.issues.length >= MAX_LINE_ISSUES)
    out.issues.push({ code: "trace", path: file, message: `stopped after ${MAX_LINE_ISSUES} bad lines` });
  else if (out.issues.length === 0 && out.sizes.length === 0)
    out.issues.push({ code: "trace", path: file, message: "no messages: expected time,size lines" });
  return out;
}

/** How traces are read: the scenario file they are relative to, and a bounded file reader. */
export interface TraceReader {
  readonly scenarioFile: string;
  readonly readFile: (path: string, maxBytes?: number) => Uint8Array;
}

/** Where trace `file` is, relative to the scenario file (an absolute path stays as it is). */
export function tracePath(scenarioFile: string, file: string): string {
  return isAbsolute(file) ? file : join(dirname(scenarioFile), file);
}

function readOne(ref: TraceRef, at: Path, reader: TraceReader | undefined, r: Reporter): Parsed | undefined {
  if (!reader) {
    r.report(
      at,
      "trace",
      "a trace file is read relative to its scenario file: load the scenario from a file",
    );
    return undefined;
  }
  const path = tracePath(reader.scenarioFile, ref.file);
  let bytes: Uint8Array;
  try {
    bytes = reader.readFile(path, MAX_TRACE_BYTES);
  } catch (e) {
    const why = e instanceof InputError ? e.issues.map((i) => i.message).join("; ") : (e as Error).message;
    r.report(at, "trace", `${path}: ${why}`);
    return undefined;
  }
  if (bytes.length > MAX_TRACE_BYTES) {
    r.report(
      at,
      "trace",
      `${path}: file too large: ${bytes.length} bytes, the limit is ${formatByteLimit(MAX_TRACE_BYTES)}`,
    );
    return undefined;
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.includes("\u0000")) {
    r.report(at, "trace", `${path}: not a text file`);
    return undefined;
  }
  return parseTraceCsv(text, path);
}

/**
 * Read every flow's trace; returns the flows with their messages filled in and the problems of the
 * trace files (`FILE:LINE: ...`). A file that cannot be read is reported at the flow's `trace` key.
 */
export function readTraces<F extends { readonly trace?: TraceRef | undefined }>(
  flows: readonly F[],
  reader: TraceReader | undefined,
  r: Reporter,
): { flows: F[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const out = flows.map((f, i) => {
    if (f.trace === undefined) return f;
    const got = readOne(f.trace, ["flows", i, "trace"], reader, r);
    if (!got) return f;
    issues.push(...got.issues);
    return { ...f, trace: { file: f.trace.file, timesPs: got.timesPs, sizes: got.sizes } };
  });
  return { flows: out, issues };
}
