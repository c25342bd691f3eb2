/**
 * The one option parser of the CLI. Every command declares its options as data (OptionSpec); the
 * same declaration drives parsing, `--help`, the error messages and shell completion, so an option
 * means the same thing everywhere and no parser wording ever reaches the user.
 *
 * Conventions (those of git and lspci): `--name value`, `--name=value`, `-x value`, `-xvalue`,
 * bundled flags (`-vvv`); an option that takes a value takes the next argument whatever it looks
 * like (`--seed -1` is a value, judged by the command); `--` ends options; `-` is a positional.
 */
import { inputError } from "../base/errors.js";

export interface OptionSpec {
  /** Long name without the dashes. */
  readonly name: string;
  /** One-letter alias without the dash. */
  readonly short?: string;
  /** Placeholder of the value (`N`, `FILE`); absent for a flag. */
  readonly value?: string;
  /** May be given more than once: values are collected (flags are counted, `-vvv`). */
  readonly repeat?: boolean;
  readonly help: string;
  /** Values offered by shell completion; "file" completes file names. */
  readonly complete?: readonly string[] | "file";
}

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "json", help: "print JSON instead of text" },
  { name: "help", short: "h", help: "show this help" },
];

/** What a command receives: options by long name, and the remaining arguments. */
export interface Flags {
  readonly positionals: readonly string[];
  /** The value of a single-valued option. */
  string(name: string): string | undefined;
  /** Every value of a repeatable option, in order. */
  strings(name: string): readonly string[];
  /** Whether a flag was given. */
  bool(name: string): boolean;
  /** How many times a flag was given (`-vvv` is 3). */
  count(name: string): number;
}

/** Build Flags from plain data (also handy in tests). */
export function makeFlags(values: ReadonlyMap<string, readonly string[]>, positionals: string[]): Flags {
  return {
    positionals,
    string: (n) => values.get(n)?.at(-1),
    strings: (n) => values.get(n) ?? [],
    bool: (n) => (values.get(n)?.length ?? 0) > 0,
    count: (n) => values.get(n)?.length ?? 0,
  };
}

const dashed = (o: OptionSpec, viaShort: boolean) => (viaShort ? `-${o.short}` : `--${o.name}`);

/**
 * Parse argv against `options` (plus COMMON_OPTIONS). `where` names the command in the hint of an
 * unknown-option error. Throws InputError (exit 2) in tphlab's words.
 */
export function parseOptions(argv: readonly string[], options: readonly OptionSpec[], where: string): Flags {
  const all = [...options, ...COMMON_OPTIONS];
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const hint = `(see 'tphlab ${where} --help')`;
  const add = (o: OptionSpec, viaShort: boolean, v: string) => {
    const list = values.get(o.name) ?? [];
    if (list.length > 0 && !o.repeat) {
      throw inputError(dashed(o, viaShort), "given more than once", "usage");
    }
    list.push(v);
    values.set(o.name, list);
  };
  const needValue = (o: OptionSpec, viaShort: boolean, i: number): string => {
    const v = argv[i];
    if (v === undefined) throw inputError(dashed(o, viaShort), `expects a value (${o.value})`, "usage");
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const o = all.find((x) => x.name === name);
      if (!o) throw inputError("", `unknown option '--${name}' ${hint}`, "usage");
      if (o.value === undefined) {
        if (eq >= 0) throw inputError(`--${name}`, "takes no value", "usage");
        add(o, false, "");
      } else add(o, false, eq >= 0 ? arg.slice(eq + 1) : needValue(o, false, ++i));
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const o = all.find((x) => x.short === arg[j]);
        if (!o) throw inputError("", `unknown option '-${arg[j]}' ${hint}`, "usage");
        if (o.value === undefined) {
          add(o, true, "");
          continue;
        }
        add(o, true, j + 1 < arg.length ? arg.slice(j + 1) : needValue(o, true, ++i));
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return makeFlags(values, positionals);
}

/** The options block of a help text, aligned. */
export function optionsHelp(options: readonly OptionSpec[]): string {
  const all = [...options, ...COMMON_OPTIONS];
  const left = all.map((o) => {
    const long = `--${o.name}${o.value ? ` ${o.value}` : ""}`;
    return o.short ? `-${o.short}, ${long}` : `    ${long}`;
  });
  const width = Math.max(...left.map((l) => l.length));
  const pad = " ".repeat(width + 4);
  return all
    .map((o, i) => {
      const more = o.repeat && o.value ? " (repeatable)" : "";
      const help = `${o.help}${more}`.replace(/\n/g, `\n${pad}`);
      return `  ${left[i]!.padEnd(width)}  ${help}`;
    })
    .join("\n");
}
