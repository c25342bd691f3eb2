/**
 * The Access Control Services body: lspci 3.9.0's two lines (ls-ecaps.c cap_acs: ACSCap and
 * ACSCtl with the seven +/- flags), then tphlab's additions on lines lspci never prints: the
 * Enhanced controls, the Egress Control Vector, reserved bits, controls enabled that the
 * capability does not offer, and a vector size the config space cannot hold.
 */
import {
  type AcsCapabilityRegister,
  type AcsControlRegister,
  type AcsFlags,
  type AcsVectorProblem,
  decodeAcs,
} from "../../pcie/caps/acs.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { hx, pm } from "./format.js";

const FLAG_NAMES: readonly [keyof AcsFlags, string][] = [
  ["sourceValidation", "SrcValid"],
  ["translationBlocking", "TransBlk"],
  ["p2pRequestRedirect", "ReqRedir"],
  ["p2pCompletionRedirect", "CmpltRedir"],
  ["upstreamForwarding", "UpstreamFwd"],
  ["p2pEgressControl", "EgressCtrl"],
  ["directTranslatedP2p", "DirectTrans"],
];

const flagText = (f: AcsFlags) => FLAG_NAMES.map(([k, name]) => `${name}${pm(f[k])}`).join(" ");

/** Lines of the ACS body at `at`; `limit` is where the next capability begins. */
export function acsBody(cs: ConfigSpace, at: number, limit?: number): string[] {
  const a = decodeAcs(cs, at, limit);
  if (!a.capability || !a.control) return ["\t\tACS registers: <not in the bytes read>"];
  const out = [`\t\tACSCap:\t${flagText(a.capability)}`, `\t\tACSCtl:\t${flagText(a.control)}`];
  out.push(...enhancedLines(a.capability, a.control));
  out.push(...controlProblems(a.control));
  out.push(...vectorLines(a.capability, a));
  return out;
}

const TARGET_TEXT = { direct: "direct", block: "block", redirect: "redirect", reserved: "reserved(11b)" };

function enhancedLines(c: AcsCapabilityRegister, k: AcsControlRegister): string[] {
  if (!c.enhanced) return [];
  return [
    `\t\tACS enhanced: IOReqBlk${pm(k.ioRequestBlocking)} DSPMemTgt=${TARGET_TEXT[k.dspMemoryTargetAccess]} USPMemTgt=${TARGET_TEXT[k.uspMemoryTargetAccess]} UnclaimedRedir${pm(k.unclaimedRequestRedirect)}`,
  ];
}

function controlProblems(k: AcsControlRegister): string[] {
  const out: string[] = [];
  if (k.enabledNotSupported !== 0) {
    const names = FLAG_NAMES.filter((_, i) => (k.enabledNotSupported >>> i) & 1).map(([, n]) => n);
    out.push(`\t\tACS control: enabled but not in ACSCap (hardwired 0 there): ${names.join(" ")}`);
  }
  if (k.reservedBits !== 0) out.push(`\t\tACS control: reserved bits set: ${hx(k.reservedBits, 4)}`);
  return out;
}

function vectorLines(c: AcsCapabilityRegister, a: ReturnType<typeof decodeAcs>): string[] {
  if (c.egressVectorBits === undefined) {
    // Without P2P Egress Control the size field means nothing; show a non-zero one anyway.
    return c.egressVectorSizeField === 0
      ? []
      : [`\t\tEgress Control Vector Size: ${hx(c.egressVectorSizeField, 2)} ignored (EgressCtrl-)`];
  }
  if (a.egressVectorProblem) return [problemLine(c.egressVectorBits, a.egressVectorProblem)];
  const v = a.egressVector;
  if (!v) return [];
  const out = [
    `\t\tEgress Control Vector: ${v.bits} bits at [${hx(v.offset, 3)}]: ${v.dwords.map((d) => hx(d, 8)).join(" ")}`,
    `\t\tEgress Control Vector: bits set (egress blocked or redirected): ${v.set.length === 0 ? "none" : v.set.join(" ")}`,
  ];
  if (v.reservedBits !== 0)
    out.push(
      `\t\tEgress Control Vector: reserved bits beyond bit ${v.bits - 1} set: ${hx(v.reservedBits, 8)}`,
    );
  return out;
}

function problemLine(bits: number, p: AcsVectorProblem): string {
  const span = `${bits} bits, [${hx(p.offset, 3)}..${hx(p.end - 1, 3)}]`;
  switch (p.kind) {
    case "past-config-space":
      return `\t\tEgress Control Vector: broken: ${span} runs past the end of config space (${hx(p.limit, 3)})`;
    case "into-next-capability":
      return `\t\tEgress Control Vector: broken: ${span} runs into the capability at [${hx(p.limit, 3)}]`;
    default:
      return `\t\tEgress Control Vector: ${span}: <not in the bytes read>`;
  }
}
