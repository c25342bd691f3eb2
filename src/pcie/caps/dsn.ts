/** Device Serial Number Extended Capability (ID 0x03), PCIe Base 6.0 section 7.9.3. */
import type { ConfigSpace } from "../config-space.js";
import type { DecodedCap } from "./types.js";

export interface DsnCap extends DecodedCap {
  /** The 64-bit serial number as 16 hex digits, most significant first. */
  readonly serial?: string;
}
/** Device Serial Number (ID 0x03, PCIe Base 6.0 section 7.9.3): two dwords at +4 and +8. */
export function decodeDsn(cs: ConfigSpace, offset: number): DsnCap {
  if (!cs.has(offset + 4, 8)) return { truncated: true };
  const lo = cs.read32(offset + 4);
  const hi = cs.read32(offset + 8);
  return { truncated: false, serial: hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0") };
}
