/**
 * Whatever the bytes, the walk, every decoder, the renderer and the JSON builder return normally.
 * Random config spaces of 64, 256 and 4096 bytes, biased towards the shapes that stress the
 * walkers: the capability list bit set, pointers into the space, PCIe and TPH capabilities.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { walkCapabilities, walkExtended, walkStandard } from "../../src/pcie/capabilities.js";
import { decodeCapability, EXT_DECODERS, STD_DECODERS } from "../../src/pcie/caps/index.js";
import { ConfigSpace } from "../../src/pcie/config-space.js";
import { lspciJson } from "../../src/report/lspci/json.js";
import { renderLspci } from "../../src/report/lspci/render.js";
import { renderTree } from "../../src/report/lspci/tree.js";

const configSpace = fc
  .record({
    length: fc.constantFrom(64, 256, 4096),
    bytes: fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
    capList: fc.boolean(),
    pcie: fc.boolean(),
    headerType: fc.constantFrom(0, 0, 1, 2, 0x81, 0x7f),
    extId: fc.constantFrom(0x17, 0x17, 0x0b, 0x23, 0x03, 0x01, 0xffff),
    extNext: fc.integer({ min: 0, max: 0xfff }),
  })
  .map(({ length, bytes, capList, pcie, headerType, extId, extNext }) => {
    const b = bytes.slice();
    if (capList) b[6] = (b[6] ?? 0) | 0x10;
    b[0x0e] = headerType;
    if (pcie) {
      b[0x34] = 0x40;
      b[0x14] = 0x40;
      b[0x40] = 0x10;
      const h = (extId | (1 << 16) | (extNext << 20)) >>> 0;
      b.set([h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24], 0x100);
    }
    return new ConfigSpace(b.subarray(0, length), length);
  });

const slot = { domain: 0, bus: 1, device: 2, function: 3 };

describe("never throws on random config space", () => {
  it("walks, decodes and renders at every verbosity", () => {
    fc.assert(
      fc.property(configSpace, (cs) => {
        const walk = walkCapabilities(cs);
        for (const e of walk.entries) decodeCapability(cs, e);
        walkStandard(cs);
        walkExtended(cs);
        for (const v of [0, 1, 2, 3] as const) renderLspci([{ slot, config: cs }], { verbosity: v });
        renderLspci([{ slot, config: cs }], { verbosity: 3, numeric: 2, hex: 4 });
        expect(() => JSON.stringify(lspciJson([{ slot, config: cs }]))).not.toThrow();
      }),
      { numRuns: 300, seed: 20240601 },
    );
  });

  it("draws a tree of random bridges (loops and overlapping bus ranges included)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(configSpace, fc.integer({ min: 0, max: 3 })), { maxLength: 6 }),
        (list) => {
          const devices = list.map(([config, bus], i) => ({
            slot: { domain: 0, bus, device: i, function: 0 },
            config,
          }));
          const text = renderTree(devices, { verbosity: 1 });
          expect(text.split("\n").length).toBeGreaterThan(1);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  it("every registered decoder accepts any offset", () => {
    const decoders = [...Object.values(STD_DECODERS), ...Object.values(EXT_DECODERS)];
    fc.assert(
      fc.property(configSpace, fc.integer({ min: 0, max: 4095 }), (cs, offset) => {
        for (const d of decoders) expect(d(cs, offset)).toHaveProperty("truncated");
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
