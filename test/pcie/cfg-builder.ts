/** Test helper: build config spaces byte by byte (little-endian), with capability chains. */
import { ConfigSpace } from "../../src/pcie/config-space.js";

export class CfgBuilder {
  readonly bytes: Uint8Array;
  constructor(readonly length = 4096) {
    this.bytes = new Uint8Array(4096);
  }
  set8(o: number, v: number): this {
    this.bytes[o] = v & 0xff;
    return this;
  }
  set16(o: number, v: number): this {
    return this.set8(o, v).set8(o + 1, v >>> 8);
  }
  set32(o: number, v: number): this {
    return this.set16(o, v & 0xffff).set16(o + 2, v >>> 16);
  }
  /** Vendor/device IDs, class, header type; sets Status.CapList and the first pointer. */
  header(
    opts: { vendor?: number; device?: number; cls?: number; headerType?: number; capPtr?: number } = {},
  ): this {
    this.set16(0, opts.vendor ?? 0x8086).set16(2, opts.device ?? 0x1234);
    this.set16(0x0a, opts.cls ?? 0x0200);
    this.set8(0x0e, opts.headerType ?? 0);
    if (opts.capPtr !== undefined) {
      this.set16(0x06, 0x0010);
      this.set8((opts.headerType ?? 0) === 2 ? 0x14 : 0x34, opts.capPtr);
    }
    return this;
  }
  /** A standard capability: ID, next pointer and the 16-bit word at +2. */
  std(off: number, id: number, next: number, word = 0): this {
    return this.set8(off, id)
      .set8(off + 1, next)
      .set16(off + 2, word);
  }
  /** A PCI Express capability (flags: version, type, slot, irq). */
  express(off: number, next: number, type: number, version = 2, slot = false): this {
    return this.std(off, 0x10, next, version | (type << 4) | (slot ? 0x100 : 0));
  }
  /** An extended capability header. */
  ext(off: number, id: number, version: number, next: number): this {
    return this.set32(off, (id | (version << 16) | (next << 20)) >>> 0);
  }
  build(): ConfigSpace {
    return new ConfigSpace(this.bytes.subarray(0, this.length), this.length);
  }
}

/** An endpoint with a PCIe capability at 0x40 (v2) and an extended chain to be filled. */
export function pcieEndpoint(length = 4096, type = 0): CfgBuilder {
  return new CfgBuilder(length).header({ capPtr: 0x40 }).express(0x40, 0, type);
}

/** Text of an lspci -x style dump of one or more config spaces. */
export function dumpText(devices: readonly { slot: string; bytes: Uint8Array; desc?: string }[]): string {
  let out = "";
  for (const d of devices) {
    out += `${d.slot} ${d.desc ?? "Device"}\n`;
    for (let o = 0; o < d.bytes.length; o += 16) {
      const row = [...d.bytes.subarray(o, o + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      out += `${o.toString(16).padStart(2, "0")}: ${row}\n`;
    }
    out += "\n";
  }
  return out;
}
