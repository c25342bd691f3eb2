/** A file name that is blank or padded is quoted in the error, so the user sees what was given. */
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function tphlab(argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io, COMMANDS);
  return { code, err: io.err };
}

describe("blank and padded file names", () => {
  for (const argv of [["run"], ["sweep"], ["lspci", "-F"]])
    for (const name of [" ", "", " demo.yaml", "a\tb"])
      it(`${argv.join(" ")} ${JSON.stringify(name)}: exit 2, the name quoted`, async () => {
        const r = await tphlab([...argv, name]);
        expect(r.code).toBe(2);
        expect(r.err).toBe(
          `tphlab ${argv[0]}: ${JSON.stringify(name)}: ${argv[0] === "lspci" ? "cannot read (ENOENT)" : "cannot read: ENOENT"}\n`,
        );
      });
});
