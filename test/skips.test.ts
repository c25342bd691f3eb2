/**
 * A skipped test must say why in its name, so a run that skipped it cannot be mistaken for one
 * that checked: every it.skip / skipIf / runIf (and describe's) names its reason, as "(needs ...)"
 * or "(skipped: ...)".
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("./", import.meta.url).pathname;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
}

/**
 * Each conditional or unconditional skip with the source of its name: from the test's opening
 * parenthesis to its body's arrow (names may be template literals built from the reason).
 */
function skips(source: string): { call: string; name: string }[] {
  const out: { call: string; name: string }[] = [];
  const re = /\b(?:it|test|describe)\.(skip|skipIf|runIf|todo)\b/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let at = m.index + m[0].length;
    // Past the condition of skipIf/runIf: its balanced parentheses.
    if (m[1] === "skipIf" || m[1] === "runIf") {
      let depth = 0;
      do {
        if (source[at] === "(") depth++;
        else if (source[at] === ")") depth--;
        at++;
      } while (depth > 0 && at < source.length);
    }
    const end = source.indexOf("=>", at);
    out.push({ call: m[0], name: source.slice(at, end < 0 ? undefined : end).trim() });
  }
  return out;
}

/**
 * A name may carry its reason through a `skip` variable built as ` (skipped: ${reason})` in the
 * same file; the scan accepts `${skip}` only where that definition is present.
 */
const SKIP_VARIABLE = /const skip = [^;]*\(skipped: \$\{reason\}\)/;

describe("skipped tests state their reason", () => {
  it("finds the skips it is meant to judge", () => {
    expect(skips('it.skipIf(!x)("a (needs pci.ids)", () => {}); it.skip(`b`, () => 1)')).toEqual([
      { call: "it.skipIf", name: '("a (needs pci.ids)", ()' },
      { call: "it.skip", name: "(`b`, ()" },
    ]);
  });

  it("every skip in the suite names its reason", () => {
    const self = new URL(import.meta.url).pathname;
    const bad = testFiles(ROOT)
      .filter((f) => f !== self)
      .flatMap((f) => {
        const src = readFileSync(f, "utf8");
        const named = (name: string) =>
          /\((needs |skipped: )/.test(name) || (name.includes("$" + "{skip}") && SKIP_VARIABLE.test(src));
        return skips(src)
          .filter((s) => !named(s.name))
          .map((s) => `${f.slice(ROOT.length)}: ${s.call}${s.name}`);
      });
    expect(bad).toEqual([]);
  });
});
