/**
 * `tphlab run --platforms`: the preset platforms a scenario can name (`platform: { preset: NAME }`,
 * or `topology: switch | root-complex`), each with its tree drawn as the scenario's default link
 * would lay it out.
 */
import { drawPlatform, layoutPlatform } from "../hw/platform.js";
import { PLATFORM_PRESET_NAMES, PLATFORM_PRESETS } from "../hw/platform-presets.js";
import { LINK_SCHEMA } from "./scenario-schema.js";
import { defaultsOf } from "./schema-object.js";

export interface PlatformEntry {
  readonly name: string;
  readonly description: string;
  readonly nics: readonly string[];
  readonly accelerators: readonly string[];
  readonly switches: readonly string[];
  readonly rootPorts: number;
  /** Links named by their two ends, with generation and width. */
  readonly links: Readonly<
    Record<string, { readonly bdf: string; readonly gen: number; readonly width: number }>
  >;
  readonly tree: string;
}

/** Every preset, in the catalogue's order. */
export function platformCatalogue(): PlatformEntry[] {
  const d = defaultsOf(LINK_SCHEMA);
  const link = { gen: d.gen, width: d.width };
  return PLATFORM_PRESET_NAMES.map((name) => {
    const p = PLATFORM_PRESETS[name];
    const layout = layoutPlatform({ link, ...p });
    const of = (k: string) => layout.nodes.filter((n) => n.kind === k).map((n) => n.name);
    return {
      name,
      description: p.description,
      nics: of("nic"),
      accelerators: of("accelerator"),
      switches: of("switch"),
      rootPorts: of("root-port").length,
      links: Object.fromEntries(
        layout.nodes
          .filter((n) => n.linkName !== undefined && n.link !== undefined)
          .map((n) => [n.linkName!, { bdf: n.bdf, gen: n.link!.gen, width: n.link!.width }]),
      ),
      tree: drawPlatform(layout),
    };
  });
}

/** The text listing. */
export function renderPlatformCatalogue(entries: readonly PlatformEntry[]): string {
  return entries.map((e) => `${e.name}: ${e.description}\n${e.tree}\n`).join("\n");
}
