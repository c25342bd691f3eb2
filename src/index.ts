/** tphlab as a library: the public API, layer by layer. */
export * from "./base/errors.js";
export * from "./pcie/bits.js";
export * from "./pcie/config-space.js";
export * from "./pcie/link.js";
export * from "./pcie/link-tables.js";
export * from "./pcie/registers.js";
export * from "./pcie/tlp.js";
export {
  checkTph,
  decodeTphPrefix,
  encodeTphPrefix,
  impliedByteEnables,
  stByteOf,
  TPH_PREFIX_BYTE0,
} from "./pcie/tlp-prefix.js";
export * from "./pcie/tlp-rules.js";
export * from "./pcie/tlp-types.js";
export * from "./hw/pci-function.js";
export * from "./hw/pci-function-desc.js";
export * from "./hw/topology.js";
export * from "./hw/platform-firmware.js";
export * from "./kernel/errno.js";
export * from "./kernel/trace.js";
export * from "./kernel/revision.js";
export * from "./kernel/kernel.js";
export * from "./kernel/pci/pci.js";
export * from "./kernel/pci/tph.js";
export * from "./kernel/pci/tph-cpu-st.js";
export * from "./kernel/pci/msi.js";
export * from "./kernel/pci/reset.js";
export * from "./kernel/acpi/acpi.js";
export * from "./kernel/dma-buf/dma-buf.js";
export * from "./kernel/dma-buf/dma-resv.js";
export * from "./pcie/dump.js";
export * from "./pcie/capability-ids.js";
export * from "./pcie/capabilities.js";
export * from "./pcie/pci-ids.js";
export * from "./pcie/caps/tph.js";
export * from "./pcie/caps/express.js";
export * from "./pcie/caps/msix.js";
export { decodeCapability, decoderFor, EXT_DECODERS, STD_DECODERS } from "./pcie/caps/index.js";
export type { CapDecoder, DecodedCap } from "./pcie/caps/types.js";
export * from "./report/lspci/index.js";
export * from "./sim/index.js";
