/**
 * `tphlab tlp decode HEX... [--json]` and `tphlab tlp encode --kind K ...`: the TLP codec of
 * src/pcie/tlp.ts at the command line. Ranges and rules are checked by the codec (one source of
 * truth); its field names are mapped back to the flags the user typed.
 */
import { InputError, type Issue, inputError } from "../../base/errors.js";
import { decodeTlp, encodeTlp, toHex } from "../../pcie/tlp.js";
import {
  type CplStatus,
  parseRid,
  type RequesterEnable,
  type Tlp,
  TlpError,
  type TlpKind,
} from "../../pcie/tlp-types.js";
import { choiceFlag, intFlag, parseFlags } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { describeTlp, tlpToJson } from "./tlp-view.js";

const USAGE = `tphlab tlp decode HEX... [--json]
       tphlab tlp encode --kind MWr|MRd|Cpl|CplD [options]
decode: HEX is the TLP in wire order, prefix first; spaces, colons, commas and 0x are ignored.
encode options (numbers are decimal or 0x-hex):
  MRd/MWr: --addr A [--addr-bits 32|64] --len-dw N [--th --ph N --st N [--ext]]
           [--req-enable disabled|tph-only|ext-tph] [--first-be N --last-be N] [--at N]
  Cpl/CplD: [--completer BB:DD.F] [--status SC|UR|RRS|CA] [--bcm] [--byte-count N] [--lower-addr N]
  all: [--requester BB:DD.F] [--tag N] [--tc N] [--attr N] [--ln] [--ep] [--ecrc N]
  MWr/CplD: [--data HEX] (default: Length DW of zeros; --len-dw defaults to the data's length)
Output: the bytes as spaced hex on one line.`;

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

const ENCODE_OPTIONS = {
  kind: { type: "string" },
  addr: { type: "string" },
  "addr-bits": { type: "string" },
  "len-dw": { type: "string" },
  th: { type: "boolean" },
  ph: { type: "string" },
  st: { type: "string" },
  ext: { type: "boolean" },
  "req-enable": { type: "string" },
  "first-be": { type: "string" },
  "last-be": { type: "string" },
  at: { type: "string" },
  requester: { type: "string" },
  completer: { type: "string" },
  tag: { type: "string" },
  tc: { type: "string" },
  attr: { type: "string" },
  ln: { type: "boolean" },
  ep: { type: "boolean" },
  ecrc: { type: "string" },
  status: { type: "string" },
  bcm: { type: "boolean" },
  "byte-count": { type: "string" },
  "lower-addr": { type: "string" },
  data: { type: "string" },
} as const;

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

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

const str = (v: Values, k: string) => v[k] as string | undefined;
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
  const th = v.th === true;
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
    ln: v.ln === true,
    ep: v.ep === true,
    at: num(v, "at") ?? 0,
    th,
    ...opt("ph", "ph"),
    ...opt("st", "st"),
    ...(v.ext === true ? { tphPrefix: true } : {}),
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
  if (kind === "Cpl" && (v.data !== undefined || v["len-dw"] !== undefined)) {
    throw inputError(v.data !== undefined ? "--data" : "--len-dw", "a Cpl carries no data (use CplD)");
  }
  if (body && body.lengthDw === undefined)
    throw inputError("--len-dw", "is required without --data", "required");
  const lengthDw = body?.lengthDw ?? 0;
  const tlp = {
    kind,
    completerId: rid(v, "completer"),
    status,
    bcm: v.bcm === true,
    byteCount: num(v, "byte-count") ?? (kind === "CplD" ? Math.min(lengthDw * 4, 4096) : 4),
    requesterId: rid(v, "requester"),
    tag: num(v, "tag") ?? 0,
    lowerAddress: num(v, "lower-addr") ?? 0,
    tc: num(v, "tc") ?? 0,
    attr: num(v, "attr") ?? 0,
    ln: v.ln === true,
    ep: v.ep === true,
    ...(v.ecrc !== undefined ? { ecrc: num(v, "ecrc") } : {}),
    ...(body ? { lengthDw, data: body.data } : {}),
  };
  return tlp as Tlp;
}

function runEncode(argv: readonly string[], io: Io): number {
  const { values: v } = parseFlags(argv, ENCODE_OPTIONS, false);
  const kindText = str(v, "kind");
  if (kindText === undefined) throw inputError("--kind", "is required", "required");
  const kind = choiceFlag("--kind", kindText, KINDS);
  const isMem = kind === "MRd" || kind === "MWr";
  for (const k of isMem ? CPL_ONLY : MEM_ONLY) {
    if (v[k] !== undefined) throw inputError(`--${k}`, `not used by ${kind}`, "usage");
  }
  if (kind === "MRd" && v.data !== undefined) throw inputError("--data", "an MRd carries no data", "usage");
  const reqEnable = choiceFlag<RequesterEnable>("--req-enable", str(v, "req-enable") ?? "ext-tph", [
    "disabled",
    "tph-only",
    "ext-tph",
  ]);
  const tlp = isMem ? memTlp(kind, v) : cplTlp(kind, v);
  try {
    io.stdout(`${toHex(encodeTlp(tlp, { requesterEnable: reqEnable }))}\n`);
  } catch (e) {
    if (!(e instanceof TlpError)) throw e;
    throw new InputError(e.issues.map((i): Issue => ({ ...i, path: FLAG_OF[i.path] ?? i.path })));
  }
  return 0;
}

function runDecode(argv: readonly string[], io: Io): number {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } });
  const tlp = decodeTlp(parseHexBytes(positionals.join(" "), "HEX"));
  if (values.json === true) io.stdout(`${JSON.stringify(tlpToJson(tlp), null, 2)}\n`);
  else io.stdout(`${describeTlp(tlp).join("\n")}\n`);
  return 0;
}

export const tlpCommand: Command = {
  name: "tlp",
  summary: "encode or decode a TLP (MRd, MWr, Cpl, CplD, TPH prefix) as wire bytes",
  usage: USAGE,
  run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "decode") return runDecode(rest, io);
    if (sub === "encode") return runEncode(rest, io);
    throw inputError(
      "",
      `expected 'decode' or 'encode', found ${sub === undefined ? "nothing" : `'${sub}'`}`,
      "usage",
    );
  },
};
