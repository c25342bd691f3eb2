/** Shared helpers for the lspci renderer tests: fixtures, the local pci.ids, line selection. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { DumpDevice } from "../../src/pcie/dump.js";
import { parseLspciDump } from "../../src/pcie/dump.js";
import { type PciIds, parsePciIds } from "../../src/pcie/pci-ids.js";
import { decodedBlocks } from "../../src/report/lspci/bodies.js";
import { renderLspci } from "../../src/report/lspci/render.js";
import { renderTree } from "../../src/report/lspci/tree.js";

export const FIXTURE_DIR = new URL("../../../shared/fixtures/pciutils/", import.meta.url).pathname;

/** Fixture names (each `NAME` has `NAME.lspci-vvv.txt`). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => !f.endsWith(".txt") && !f.endsWith(".md"))
    .sort();
}

export function loadFixture(name: string) {
  return {
    devices: parseLspciDump(readFileSync(`${FIXTURE_DIR}${name}`, "utf8"), name),
    expected: readFileSync(`${FIXTURE_DIR}${name}.lspci-vvv.txt`, "utf8"),
  };
}

/** The PCI ID database lspci uses here, if installed (names in headings depend on it). */
export const SYSTEM_PCI_IDS = [
  "/usr/share/misc/pci.ids",
  "/usr/share/hwdata/pci.ids",
  "/usr/share/pci.ids",
].find((p) => existsSync(p));
export function systemNames(): PciIds | undefined {
  return SYSTEM_PCI_IDS ? parsePciIds(readFileSync(SYSTEM_PCI_IDS, "utf8"), SYSTEM_PCI_IDS) : undefined;
}

/** Lines tphlab adds (never printed by lspci); everything else it prints must be lspci's. */
export const ADDITION =
  /^\t\t(No ST mode|ST table size|ST\[|Control: mode|Control: ST|Control: TPH|Control: <not|ST entries|ST table truncated|TPH capability register|TPH control register|TPH Completer|ACS (enhanced|control|registers):|Egress Control Vector)|^\t!!! [a-z]/;

export const headingLines = (text: string) =>
  text.split("\n").filter((l) => l.startsWith("\tCapabilities: "));
export const deviceLines = (text: string) => text.split("\n").filter((l) => /^[0-9a-f]{2,5}:/.test(l));

/** The TPH body lines (lspci's, i.e. without additions) following each TPH heading. */
export function tphLines(text: string): string[] {
  const out: string[] = [];
  let inTph = false;
  for (const l of text.split("\n")) {
    if (l.startsWith("\tCapabilities: ")) inTph = l.endsWith("] Transaction Processing Hints");
    else if (!l.startsWith("\t\t")) inTph = false;
    else if (inTph && !ADDITION.test(l)) out.push(l);
  }
  return out;
}

export const tphCompLines = (text: string) => text.split("\n").filter((l) => l.includes("TPHComp"));

/** Index of the first line of `ours` (other than additions) not found, in order, in `lspci`; -1 if none. */
export function firstNotInLspci(ours: string, lspci: string): number {
  const want = lspci.split("\n");
  const lines = ours.split("\n");
  let j = 0;
  for (let i = 0; i < lines.length; i++) {
    if (ADDITION.test(lines[i]!)) continue;
    while (j < want.length && want[j] !== lines[i]) j++;
    if (j >= want.length) return i;
    j++;
  }
  return -1;
}

/**
 * lspci's lines tphlab must print: all of them except the body lines of capabilities (or blocks
 * of a capability) that DECODED_BODIES does not list.
 */
export function expectedLines(lspci: string): string[] {
  const out: string[] = [];
  let blocks: "all" | readonly string[] | undefined; // undefined: not inside a capability
  let keepBlock = false;
  for (const l of lspci.split("\n")) {
    const cap = /^\tCapabilities: \[[0-9a-f]+(?: v\d+)?\] (.*)$/.exec(l);
    if (cap) {
      blocks = decodedBlocks(cap[1]!);
      out.push(l);
      continue;
    }
    if (!l.startsWith("\t\t")) blocks = undefined;
    if (blocks === undefined || blocks === "all") {
      out.push(l);
      continue;
    }
    const block = /^\t\t([A-Za-z0-9]+):/.exec(l);
    if (block) keepBlock = blocks.includes(block[1]!);
    else if (!l.startsWith("\t\t\t")) keepBlock = false;
    if (keepBlock) out.push(l);
  }
  return out;
}

/** The first of lspci's expected lines (see expectedLines) that `ours` lacks, in order; undefined if none. */
export function firstDropped(ours: string, lspci: string): string | undefined {
  const have = ours.split("\n");
  let j = 0;
  for (const l of expectedLines(lspci)) {
    while (j < have.length && have[j] !== l) j++;
    if (j >= have.length) return l;
    j++;
  }
  return undefined;
}

/** tphlab's rendering for one lspci flag group such as `-vvvnnx` or `-tv` (names loaded once). */
export function renderAs(devices: readonly DumpDevice[], flag: string, names: PciIds | undefined): string {
  const count = (c: string) => [...flag].filter((x) => x === c).length;
  const verbosity = Math.min(count("v"), 3) as 0 | 1 | 2 | 3;
  const numeric = Math.min(count("n"), 2) as 0 | 1 | 2;
  if (flag.includes("t")) return renderTree(devices, { names, numeric, verbosity });
  return renderLspci(devices, { names, numeric, verbosity, hex: count("x") });
}
