/**
 * A compiled copy of tphlab for the process tests: src plus the worker and submitter entry
 * scripts, transpiled into a scratch folder under ./tmp/ (not dist/, which other tests rebuild),
 * with its own package.json, so a second copy can carry another version (skew tests).
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(".");

export interface Scratch {
  readonly dir: string;
  /** This copy's version (its package.json). */
  readonly version: string;
  /** Path of a compiled file, e.g. "src/cli/bin.js". */
  file(rel: string): string;
}

/**
 * Transpile src and the entry scripts file by file (no type check: `npm run typecheck` does that;
 * the sources use `import type`, so dropping types is all it takes): seconds, where tsc takes a minute.
 */
export function buildScratch(): Scratch {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, "tmp", "broker-"));
  const entries = [
    "test/sweep/broker/worker-main.ts",
    "test/sweep/broker/submit-main.ts",
    "test/sweep/broker/stand-in.ts",
  ];
  for (const rel of [...tsFiles("src"), ...entries]) {
    const out = ts.transpileModule(readFileSync(join(ROOT, rel), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: rel,
    });
    const target = join(dir, rel.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
    .version;
  return finish(dir, version);
}

function tsFiles(rel: string): string[] {
  return readdirSync(join(ROOT, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(`${rel}/${e.name}`) : e.name.endsWith(".ts") ? [`${rel}/${e.name}`] : [],
  );
}

function finish(dir: string, version: string): Scratch {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tphlab", version, type: "module" }));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { dir, version, file: (rel) => join(dir, rel) };
}

/** A copy of `s` whose package.json says `version`. */
export function withVersion(s: Scratch, version: string): Scratch {
  const dir = mkdtempSync(join(ROOT, "tmp", "broker-skew-"));
  for (const part of ["src", "test"]) cpSync(join(s.dir, part), join(dir, part), { recursive: true });
  return finish(dir, version);
}

export function removeScratch(s: Scratch | undefined): void {
  if (s) rmSync(s.dir, { recursive: true, force: true });
}

/** A child process with its output gathered; `lines` are stdout's complete lines so far. */
export interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first stdout line matching `test` (rejects if the process exits first). */
  waitFor(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

export function startChild(script: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters = new Set<() => void>();
  proc.stdout!.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((res) => {
    proc.once("exit", (code, signal) => {
      res(code ?? signal ?? "?");
      for (const w of waiters) w();
    });
  });
  const waitFor = (test: (line: string) => boolean, timeoutMs = 30_000) =>
    new Promise<string>((res, rej) => {
      const timer = setTimeout(
        () => done(new Error(`no matching line within ${timeoutMs} ms; stderr: ${err}`)),
        timeoutMs,
      );
      const done = (e?: Error, line?: string) => {
        clearTimeout(timer);
        waiters.delete(check);
        e ? rej(e) : res(line!);
      };
      const check = () => {
        const line = lines.find(test);
        if (line !== undefined) done(undefined, line);
        else if (proc.exitCode !== null || proc.signalCode !== null) {
          done(new Error(`exited (${proc.exitCode ?? proc.signalCode}) first; stderr: ${err}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { proc, lines, stderr: () => err, exited, waitFor };
}

/** JSON lines of a child's stdout whose `event` is `event`. */
export function events(c: Child, event: string): Record<string, unknown>[] {
  return c.lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event);
}
