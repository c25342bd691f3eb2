/** tphlab as a library: the public API, layer by layer. */
export * from "./base/errors.js";
export * from "./pcie/bits.js";
export * from "./pcie/config-space.js";
export * from "./pcie/registers.js";
export * from "./pcie/link.js";
export * from "./pcie/link-tables.js";
