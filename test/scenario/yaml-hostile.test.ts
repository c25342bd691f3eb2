/**
 * Hostile YAML refused in one positioned line, in tphlab's words: nesting deep enough to overflow
 * the yaml library's recursive composer (which reported "Maximum call stack size exceeded" once
 * per level it unwound, hundreds of lines), and a second document (whose message named the
 * library's API, "please use YAML.parseAllDocuments()").
 */
import { describe, expect, it } from "vitest";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseYaml } from "../../src/scenario/yaml.js";

describe("hostile YAML", () => {
  it("flow collections nested thousands deep: one issue at the level past the limit", () => {
    const { issues } = parseYaml(`${"[".repeat(5000)}${"]".repeat(5000)}`, "d.yaml");
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("d.yaml:1:65");
    expect(issues[0]!.message).toBe("nested deeper than 64 levels");
    const maps = parseYaml(`a:\n  ${"{b: ".repeat(3000)}1${"}".repeat(3000)}\n`, "m.yaml").issues;
    expect(maps.map((i) => i.path)).toEqual(["m.yaml:2:259"]);
  });

  it("brackets inside quoted and plain scalars are not nesting", () => {
    const text = `a: "${"[".repeat(200)}"\nb: '${"{".repeat(200)}'\nc: x${"[".repeat(200)}\n`;
    const { source, issues } = parseYaml(text, "q.yaml");
    expect(issues).toEqual([]);
    expect((source.value as Record<string, string>).a).toBe("[".repeat(200));
  });

  it("a second document is named in our words", () => {
    const { issues } = parseYaml("name: a\n---\nname: b\n", "two.yaml");
    expect(issues).toEqual([
      {
        code: "yaml-multiple_docs",
        path: "two.yaml:2:1",
        message: "a second YAML document ('---'): a file holds one document",
      },
    ]);
  });

  it("tphlab run and sweep print one line and exit 2 on a nesting bomb", async () => {
    for (const cmd of ["run", "sweep"]) {
      const io = captureIo({ "deep.yaml": `${"[".repeat(4000)}${"]".repeat(4000)}\n` });
      expect(await main([cmd, "deep.yaml"], io)).toBe(2);
      expect(io.err).toBe(`tphlab ${cmd}: deep.yaml:1:65: nested deeper than 64 levels\n`);
    }
  });
});
