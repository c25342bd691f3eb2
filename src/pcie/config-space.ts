/**
 * A function's configuration space: up to 4096 bytes, little-endian.
 *
 * The same object serves two uses, as lspci treats a hex dump as just another way to read config
 * space:
 *  - decoded data (a dump, sysfs, a binary file): `length` says how many bytes are known (64, 256
 *    or 4096); reads beyond it are refused, so decoders ask `has()` first and report truncation;
 *  - a modelled device: registers have write masks (read-only bits keep their value) and devices
 *    may observe writes through a narrow hook (e.g. Memory Space Enable cleared).
 */
import { CONFIG_SIZE_EXTENDED } from "./registers.js";

export type Width = 1 | 2 | 4;

/** Called after a write lands: offset and width of the access, value before and after. */
export type WriteHook = (offset: number, width: Width, before: number, after: number) => void;

export class ConfigSpace {
  readonly bytes: Uint8Array;
  /** Number of bytes known, from offset 0. */
  readonly length: number;
  /** Per-byte writable bits; absent means every bit is writable (raw construction). */
  private wmask: Uint8Array | undefined;
  private readonly hooks: WriteHook[] = [];

  constructor(bytes: Uint8Array, length = bytes.length) {
    if (length > CONFIG_SIZE_EXTENDED) throw new RangeError(`config space larger than 4096 bytes: ${length}`);
    this.bytes = new Uint8Array(CONFIG_SIZE_EXTENDED);
    this.bytes.set(bytes.subarray(0, Math.min(bytes.length, CONFIG_SIZE_EXTENDED)));
    this.length = length;
  }

  /** An all-zero space of `length` bytes whose bits are read-only until made writable. */
  static blank(length = CONFIG_SIZE_EXTENDED): ConfigSpace {
    const cs = new ConfigSpace(new Uint8Array(length), length);
    cs.wmask = new Uint8Array(CONFIG_SIZE_EXTENDED);
    return cs;
  }

  /** True when bytes [offset, offset+size) are all known. */
  has(offset: number, size: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset + size <= this.length;
  }

  read8(offset: number): number {
    this.check(offset, 1);
    return this.bytes[offset]!;
  }
  read16(offset: number): number {
    this.check(offset, 2);
    return this.bytes[offset]! | (this.bytes[offset + 1]! << 8);
  }
  read32(offset: number): number {
    this.check(offset, 4);
    const b = this.bytes;
    return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
  }
  read(offset: number, width: Width): number {
    return width === 1 ? this.read8(offset) : width === 2 ? this.read16(offset) : this.read32(offset);
  }

  /** Write as software does: only writable bits change, then hooks run. */
  write(offset: number, width: Width, value: number): void {
    this.check(offset, width);
    const before = this.read(offset, width);
    for (let i = 0; i < width; i++) {
      const v = (value >>> (8 * i)) & 0xff;
      const m = this.wmask ? this.wmask[offset + i]! : 0xff;
      this.bytes[offset + i] = (this.bytes[offset + i]! & ~m) | (v & m);
    }
    const after = this.read(offset, width);
    for (const hook of this.hooks) hook(offset, width, before, after);
  }
  write8(offset: number, value: number): void {
    this.write(offset, 1, value);
  }
  write16(offset: number, value: number): void {
    this.write(offset, 2, value);
  }
  write32(offset: number, value: number): void {
    this.write(offset, 4, value);
  }

  /** Set bytes directly, ignoring write masks and hooks: how hardware (or a builder) fills RO fields. */
  poke(offset: number, width: Width, value: number): void {
    this.check(offset, width);
    for (let i = 0; i < width; i++) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  /** Make `mask` bits of the register at `offset` writable by software. */
  setWritable(offset: number, width: Width, mask: number): void {
    this.check(offset, width);
    this.wmask ??= new Uint8Array(CONFIG_SIZE_EXTENDED).fill(0xff);
    for (let i = 0; i < width; i++) this.wmask[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  /** Observe software writes (narrow device hook). Returns a function that removes the hook. */
  onWrite(hook: WriteHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** The known bytes, as a copy. */
  snapshot(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private check(offset: number, size: number): void {
    if (!this.has(offset, size)) {
      throw new RangeError(
        `config read/write of ${size} bytes at 0x${offset.toString(16)} beyond ${this.length}`,
      );
    }
  }
}
