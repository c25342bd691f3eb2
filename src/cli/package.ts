/**
 * Files of the installed package that the CLI reads at run time, resolved from this module's own
 * location (src/cli or dist/cli, both two levels below the package root), never from the working
 * directory: `npx tphlab run demo` works from anywhere.
 */
import { fileURLToPath } from "node:url";
import type { Io } from "./io.js";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const EXAMPLES_DIR = `${PACKAGE_ROOT}examples`;

/** The package's version, from its package.json. */
export function packageVersion(io: Io): string {
  const pkg = JSON.parse(new TextDecoder().decode(io.readFile(`${PACKAGE_ROOT}package.json`))) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

/** Names of the shipped examples (file names without .yaml), sorted. */
export function shippedExamples(io: Io): string[] {
  try {
    return io
      .readDir(EXAMPLES_DIR)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.slice(0, -".yaml".length))
      .sort();
  } catch {
    return [];
  }
}

/**
 * What `tphlab run X` reads: X itself when it is a readable file, else the shipped example named X
 * (a bare name, with or without .yaml), else X (so the error names what the user typed).
 */
export function resolveScenarioPath(io: Io, given: string): string {
  const name = given.replace(/\.yaml$/, "");
  if (given.includes("/") || !shippedExamples(io).includes(name)) return given;
  try {
    io.readFile(given);
    return given;
  } catch {
    return `${EXAMPLES_DIR}/${name}.yaml`;
  }
}
