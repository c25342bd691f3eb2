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
