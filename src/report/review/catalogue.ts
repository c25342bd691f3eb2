/**
 * The conformance catalogue of `tphlab review`: every check, grouped by the part of the stack it
 * exercises, in the order the matrix prints them.
 */
import { CONTRACT_CHECKS } from "./checks/contract.js";
import { DMA_BUF_CHECKS } from "./checks/dma-buf.js";
import { IMPORTER_CHECKS } from "./checks/importer.js";
import { INFO_CHECKS } from "./checks/info.js";
import { PCI_TPH_CHECKS } from "./checks/pci-tph.js";
import { REVOKE_CHECKS } from "./checks/revoke.js";
import { VERBS_CHECKS } from "./checks/verbs.js";
import { VFIO_DMA_BUF_CHECKS } from "./checks/vfio-dma-buf.js";
import { VFIO_TPH_CHECKS } from "./checks/vfio-tph.js";
import type { Check } from "./scenario.js";

export const CATALOGUE_GROUPS: readonly { readonly name: string; readonly checks: readonly Check[] }[] = [
  { name: "vfio dma-buf export", checks: VFIO_DMA_BUF_CHECKS },
  { name: "vfio DMA_BUF_TPH", checks: VFIO_TPH_CHECKS },
  { name: "mlx5 importer", checks: IMPORTER_CHECKS },
  { name: "contract beyond v11", checks: CONTRACT_CHECKS },
  { name: "dma-buf", checks: DMA_BUF_CHECKS },
  { name: "revocation", checks: REVOKE_CHECKS },
  { name: "verbs and DMAH", checks: VERBS_CHECKS },
  { name: "PCI TPH core", checks: PCI_TPH_CHECKS },
  { name: "informational", checks: INFO_CHECKS },
];

/** Every check, in matrix order. */
export const CATALOGUE: readonly Check[] = CATALOGUE_GROUPS.flatMap((g) => g.checks);

/** The check named `id`, if any. */
export function findCheck(id: string): Check | undefined {
  return CATALOGUE.find((c) => c.id === id);
}
