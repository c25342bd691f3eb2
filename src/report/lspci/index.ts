/** The lspci-compatible renderer: text (`renderLspci`) and JSON (`lspciJson`). */
export { capBody, devCap2Lines, expressBody, msixBody, tphBody, virtioBody } from "./bodies.js";
export { deviceLine, type HeaderInfo, headerInfo, verboseHeaderLines } from "./device.js";
export { capHeading, type Heading, headingPrefix } from "./headings.js";
export {
  type CapabilityJson,
  type DeviceJson,
  type LspciJson,
  type LspciJsonOptions,
  lspciJson,
} from "./json.js";
export {
  type LspciDevice,
  type LspciOptions,
  renderCapabilities,
  renderLspci,
  sortDevices,
} from "./render.js";
