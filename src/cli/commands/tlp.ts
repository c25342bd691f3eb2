/**
 * `tphlab tlp decode HEX...|- [--json]` and `tphlab tlp encode --kind K ...`: the TLP codec of
 * src/pcie/tlp.ts at the command line; decode is the analyzer (analyzeTlp). Ranges and rules are checked by the codec (one source of
 * truth); its field names are mapped back to the flags the user typed.
 */
import { InputError, type Issue, inputError } from "../../base/errors.js";
import { analyzeTlp, encodeTlp, type TlpAnalysis, toHex } from "../../pcie/tlp.js";
import { tlpToJson } from "../../pcie/tlp-json.js";
import {
  type CplStatus,
  parseRid,
  type RequesterEnable,
  type Tlp,
  TlpError,
  type TlpKind,
} from "../../pcie/tlp-types.js";
import { choiceFlag, intFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import type { Flags, OptionSpec } from "../spec.js";
import { analysisJson, describeAnalysis } from "./tlp-view.js";

/** Codec field -> flag, so codec errors name what the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  kind: "--kind",
  address: "--addr",
  addressBits: "--addr-bits",
  lengthDw: "--len-dw",
  requesterId: "--requester",
  completerId: "--completer",
  tag: "--tag",
  tc: "--tc",
  attr: "--attr",
  at: "--at",
  th: "--th",
  ph: "--ph",
  st: "--st",
  tphPrefix: "--ext",
  firstBe: "--first-be",
  lastBe: "--last-be",
  status: "--status",
  bcm: "--bcm",
  byteCount: "--byte-count",
  lowerAddress: "--lower-addr",
  data: "--data",
  ecrc: "--ecrc",
};

const n = (name: string, value: string, help: string, complete?: readonly string[]): OptionSpec => ({
  name,
  value,
  help,
  ...(complete ? { complete } : {}),
});
const f = (name: string, help: string): OptionSpec => ({ name, help });

const ENCODE_OPTIONS: readonly OptionSpec[] = [
  n("kind", "KIND", "MWr, MRd, Cpl or CplD (required)", ["MWr", "MRd", "Cpl", "CplD"]),
  n("addr", "A", "MRd/MWr: the byte address, DW aligned (required)"),
  n("addr-bits", "32|64", "MRd/MWr: header form (default: 64 at or above 4 GiB, else 32)", ["32", "64"]),
  n("len-dw", "N", "Length in DW, 1..1024 (MWr/CplD: defaults to the --data length)"),
  f("th", "MRd/MWr: set TH, sending --ph and --st"),
  n("ph", "N", "Processing Hint 0..3 (with --th)", ["0", "1", "2", "3"]),
  n("st", "N", "Steering Tag: 0..0xff, or 0..0xffff with --ext (with --th)"),
  f("ext", "carry ST[15:8] in the TPH prefix (Extended TPH)"),
  n("req-enable", "MODE", "the requester's TPH Requester Enable: disabled, tph-only, ext-tph (default)", [
    "disabled",
    "tph-only",
    "ext-tph",
  ]),
  n("first-be", "N", "MRd/MWr: First DW BE"),
  n("last-be", "N", "MRd/MWr: Last DW BE"),
  n("at", "N", "MRd/MWr: Address Type 0..2"),
  n("requester", "BB:DD.F", "Requester ID"),
  n("completer", "BB:DD.F", "Cpl/CplD: Completer ID"),
  n("tag", "N", "Tag"),
  n("tc", "N", "Traffic Class 0..7"),
  n("attr", "N", "Attr[2:0] (IDO, RO, NS)"),
  f("ln", "set LN"),
  f("ep", "set EP (poisoned)"),
  n("ecrc", "N", "append this ECRC DW (TD = 1)"),
  n("status", "SC|UR|RRS|CA", "Cpl/CplD: Completion Status (default SC)", ["SC", "UR", "RRS", "CA"]),
  f("bcm", "Cpl/CplD: set BCM"),
  n("byte-count", "N", "Cpl/CplD: Byte Count (default: from the data)"),
  n("lower-addr", "N", "Cpl/CplD: Lower Address"),
  n("data", "HEX", "MWr/CplD: the payload (default: Length DW of zeros)"),
];

/** Flags that only some kinds use; anything else given for a kind is an error. */
const MEM_ONLY = ["addr", "addr-bits", "th", "ph", "st", "ext", "req-enable", "first-be", "last-be", "at"];
const CPL_ONLY = ["completer", "status", "bcm", "byte-count", "lower-addr"];
const KINDS: readonly TlpKind[] = ["MWr", "MRd", "Cpl", "CplD"];

/** Parse hex text: whitespace/colon/comma separated, optional 0x per token, even digit count. */
export function parseHexBytes(text: string, path: string): Uint8Array {
  let digits = "";
  for (const tok of text.split(/[\s:,]+/).filter(Boolean)) {
    const t = tok.replace(/^0x/i, "");
    if (!/^[0-9a-f]*$/i.test(t)) throw inputError(path, `not hex: '${tok.slice(0, 24)}'`, "hex");
    digits += t;
  }
  if (digits.length === 0) throw inputError(path, "no bytes given", "hex");
  if (digits.length % 2 !== 0) throw inputError(path, `odd number of hex digits (${digits.length})`, "hex");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

type Values = Flags;

const str = (v: Values, k: string) => v.string(k);
const num = (v: Values, k: string) => {
  const t = str(v, k);
  return t === undefined ? undefined : intFlag(`--${k}`, t, 0, Number.MAX_SAFE_INTEGER);
};

function rid(v: Values, k: string): number {
  const t = str(v, k);
  if (t === undefined) return 0;
  const id = parseRid(t);
  if (id === undefined)
    throw inputError(`--${k}`, `expected BB:DD.F (hex bus, device <= 1f, function 0-7), found '${t}'`);
  return id;
}

function address(v: Values): bigint {
  const t = str(v, "addr");
  if (t === undefined) throw inputError("--addr", "is required", "required");
  const s = t.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s))
    throw inputError("--addr", `expected an integer, found '${t}'`, "type");
  const a = BigInt(s);
  if (a >= 1n << 64n) throw inputError("--addr", "must be below 2^64", "range");
  return a;
}

/** Payload and Length: from --data, --len-dw, or both (the codec checks they agree). */
function payload(v: Values): { lengthDw: number | undefined; data: Uint8Array } {
  const given = str(v, "data");
  const data = given === undefined ? undefined : parseHexBytes(given, "--data");
  const len = num(v, "len-dw");
  if (data) {
    if (len === undefined && data.length % 4 !== 0) {
      throw inputError("--data", `a TLP carries whole DWs: ${data.length} bytes is not a multiple of 4`);
    }
    return { lengthDw: len ?? data.length / 4, data };
  }
  const zeros = len !== undefined && len >= 1 && len <= 1024 ? len * 4 : 0;
  return { lengthDw: len, data: new Uint8Array(zeros) };
}

function memTlp(kind: "MRd" | "MWr", v: Values): Tlp {
  const addr = address(v);
  const th = v.bool("th");
  const len = kind === "MWr" ? payload(v) : { lengthDw: num(v, "len-dw"), data: undefined };
  if (len.lengthDw === undefined) throw inputError("--len-dw", "is required", "required");
  const stInTag = th && kind === "MWr";
  const stInBe = th && kind === "MRd";
  const bits = str(v, "addr-bits");
  const opt = (k: string, field: string, fallback?: number) => {
    const n = num(v, k) ?? fallback;
    return n === undefined ? {} : { [field]: n };
  };
  const tlp = {
    kind,
    addressBits:
      bits === undefined
        ? addr >= 1n << 32n
          ? 64
          : 32
        : Number(choiceFlag("--addr-bits", bits, ["32", "64"])),
    address: addr,
    lengthDw: len.lengthDw,
    requesterId: rid(v, "requester"),
    tc: num(v, "tc") ?? 0,
    attr: num(v, "attr") ?? 0,
    ln: v.bool("ln"),
    ep: v.bool("ep"),
    at: num(v, "at") ?? 0,
    th,
    ...opt("ph", "ph"),
    ...opt("st", "st"),
    ...(v.bool("ext") ? { tphPrefix: true } : {}),
    ...opt("tag", "tag", stInTag ? undefined : 0),
    ...opt("first-be", "firstBe", stInBe ? undefined : 0xf),
    ...opt("last-be", "lastBe", stInBe ? undefined : len.lengthDw === 1 ? 0 : 0xf),
    ...opt("ecrc", "ecrc"),
    ...(len.data ? { data: len.data } : {}),
  };
  return tlp as Tlp; // shape checked by the codec's validation
}

function cplTlp(kind: "Cpl" | "CplD", v: Values): Tlp {
  const statusText = str(v, "status") ?? "SC";
  const status: CplStatus =
    statusText.toUpperCase() === "CRS"
      ? "RRS"
      : choiceFlag("--status", statusText.toUpperCase(), ["SC", "UR", "RRS", "CA"]);
  const body = kind === "CplD" ? payload(v) : undefined;
  if (kind === "Cpl" && (v.bool("data") || v.bool("len-dw"))) {
    throw inputError(v.bool("data") ? "--data" : "--len-dw", "a Cpl carries no data (use CplD)");
  }
  if (body && body.lengthDw === undefined)
    throw inputError("--len-dw", "is required without --data", "required");
  const lengthDw = body?.lengthDw ?? 0;
  const tlp = {
    kind,
    completerId: rid(v, "completer"),
    status,
    bcm: v.bool("bcm"),
    byteCount: num(v, "byte-count") ?? (kind === "CplD" ? Math.min(lengthDw * 4, 4096) : 4),
    requesterId: rid(v, "requester"),
    tag: num(v, "tag") ?? 0,
    lowerAddress: num(v, "lower-addr") ?? 0,
    tc: num(v, "tc") ?? 0,
    attr: num(v, "attr") ?? 0,
    ln: v.bool("ln"),
    ep: v.bool("ep"),
    ...(v.bool("ecrc") ? { ecrc: num(v, "ecrc") } : {}),
    ...(body ? { lengthDw, data: body.data } : {}),
  };
  return tlp as Tlp;
}

function runEncode(v: Flags, io: Io): number {
  const kindText = str(v, "kind");
  if (kindText === undefined) throw inputError("--kind", "is required", "required");
  const kind = choiceFlag("--kind", kindText, KINDS);
  const isMem = kind === "MRd" || kind === "MWr";
  for (const k of isMem ? CPL_ONLY : MEM_ONLY) {
    if (v.bool(k)) throw inputError(`--${k}`, `not used by ${kind}`, "usage");
  }
  if (kind === "MRd" && v.bool("data")) throw inputError("--data", "an MRd carries no data", "usage");
  const reqEnable = choiceFlag<RequesterEnable>("--req-enable", str(v, "req-enable") ?? "ext-tph", [
    "disabled",
    "tph-only",
    "ext-tph",
  ]);
  const tlp = isMem ? memTlp(kind, v) : cplTlp(kind, v);
  let bytes: Uint8Array;
  try {
    bytes = encodeTlp(tlp, { requesterEnable: reqEnable });
  } catch (e) {
    if (!(e instanceof TlpError)) throw e;
    throw new InputError(e.issues.map((i): Issue => ({ ...i, path: FLAG_OF[i.path] ?? i.path })));
  }
  if (v.bool("json")) {
    io.stdout(
      `${JSON.stringify({ hex: toHex(bytes), bytes: bytes.length, tlp: tlpToJson(tlp) }, null, 2)}\n`,
    );
  } else io.stdout(`${toHex(bytes)}\n`);
  return 0;
}

/** Exit status of a decode: 1 when a TLP breaks a rule. */
const verdict = (a: TlpAnalysis) => (a.violations.length > 0 ? 1 : 0);

function decodeOne(text: string, where: string, json: boolean, io: Io): number {
  const a = analyzeTlp(parseHexBytes(text, where));
  if (json) io.stdout(`${JSON.stringify(analysisJson(a), null, 2)}\n`);
  else io.stdout(`${describeAnalysis(a).join("\n")}\n`);
  return verdict(a);
}

/**
 * `tlp decode -`: one TLP per line of stdin, decoded as each line arrives. Blank lines and lines
 * starting with # are skipped. A line that is not a TLP is reported on stderr and the rest still
 * decode; the status is the worst seen (2 not a TLP, 1 a rule broken, 0 all valid). JSON: one
 * object per line (JSON Lines) with its line number.
 */
async function decodeStream(json: boolean, io: Io): Promise<number> {
  let worst = 0;
  let lineNo = 0;
  let shown = 0;
  for await (const line of io.stdinLines()) {
    lineNo++;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    let a: TlpAnalysis;
    try {
      a = analyzeTlp(parseHexBytes(line, `line ${lineNo}`));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const i of e.issues) {
        const where = i.path === "" || i.path === `line ${lineNo}` ? "" : `${i.path}: `;
        io.stderr(`tphlab tlp: line ${lineNo}: ${where}${i.message}\n`);
      }
      worst = 2;
      continue;
    }
    worst = Math.max(worst, verdict(a));
    if (json) io.stdout(`${JSON.stringify({ line: lineNo, ...analysisJson(a) })}\n`);
    else io.stdout(`${shown++ > 0 ? "\n" : ""}line ${lineNo}:\n${describeAnalysis(a).join("\n")}\n`);
  }
  return worst;
}

const decodeCommand: Command = {
  name: "decode",
  summary: "decode a TLP like a protocol analyzer: fields, absent payload, rule violations",
  synopsis: ["HEX... [--json]", "- [--json]    (one TLP per line of standard input)"],
  options: [],
  args: { name: "HEX" },
  notes: `HEX is the TLP in wire order, prefix first; spaces, colons, commas and 0x are ignored.
A header without its payload (or ECRC) decodes, saying the payload is absent. A TLP that breaks
a rule decodes with its violations listed ({ rule, path, message } in JSON) and exit status 1;
input that is not a TLP exits 2. With '-', lines are decoded as they arrive; --json prints one
JSON object per line.`,
  run(flags, io) {
    const json = flags.bool("json");
    if (flags.positionals.length === 1 && flags.positionals[0] === "-") return decodeStream(json, io);
    if (flags.positionals.length === 0) throw inputError("HEX", "no bytes given (or '-' for stdin)", "usage");
    return decodeOne(flags.positionals.join(" "), "HEX", json, io);
  },
};

const encodeCommand: Command = {
  name: "encode",
  summary: "encode a TLP from its fields into wire bytes",
  synopsis: ["--kind MWr|MRd|Cpl|CplD [options]"],
  options: ENCODE_OPTIONS,
  notes: `Numbers are decimal or 0x-hex. Output: the bytes as spaced hex on one line; --json prints
{ hex, bytes, tlp } with the fields as decode shows them.`,
  run: runEncode,
};

export const tlpCommand: Command = {
  name: "tlp",
  summary: "encode or decode a TLP (MRd, MWr, Cpl, CplD, TPH prefix) as wire bytes",
  synopsis: ["decode HEX...|- [--json]", "encode --kind MWr|MRd|Cpl|CplD [options] [--json]"],
  options: [],
  subcommands: [decodeCommand, encodeCommand],
  run: () => 2, // never called: invoke dispatches to a subcommand
};
