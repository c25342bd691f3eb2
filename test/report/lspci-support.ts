/** Shared helpers for the lspci renderer tests: fixtures, the local pci.ids, line selection. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseLspciDump } from "../../src/pcie/dump.js";
import { type PciIds, parsePciIds } from "../../src/pcie/pci-ids.js";

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
  /^\t\t(No ST mode|ST table size|ST\[|Control: mode|Control: ST|Control: TPH|Control: <not|ST entries|ST table truncated|TPH capability register|TPH control register|TPH Completer)|^\t!!! [a-z]/;

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
