/**
 * YAML text -> plain values, remembering where each value and key came from, so every problem the
 * schema finds is reported as `FILE:LINE:COL: path: message`. Parse errors carry line:col too.
 * The YAML 1.2 core schema applies (`0x21` is 33, `yes` is a string, `150ns` is a string).
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { Issue } from "../base/errors.js";
import { formatPath, type Path, type Reporter } from "./schema.js";

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A parsed file: the plain value and the positions of its values and keys. */
export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Where the value (or key) at `path` is; the nearest enclosing value when it is absent. */
  locate(path: Path, at?: "key" | "value"): Position;
}

/** Tags of the YAML 1.2 core schema; any other (`!foo`, `!!binary`, `!!set`) is refused. */
const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/** Alias expansion can multiply a small file; cap the values built (real scenarios have a few hundred). */
const MAX_NODES = 20_000;
const MAX_DEPTH = 64;

class Walker {
  readonly values = new Map<string, Position>();
  readonly keys = new Map<string, Position>();
  readonly issues: Issue[] = [];
  private nodes = 0;
  private readonly targets = new Map<Node, Node | undefined>();
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
  ) {}

  pos(node: { range?: readonly number[] | null } | null | undefined): Position {
    const at = node?.range?.[0] ?? 0;
    const p = this.lc.linePos(at);
    return { line: p.line, col: p.col };
  }
  private problem(node: Node | null | undefined, path: Path, code: string, message: string): void {
    const p = this.pos(node);
    const where = formatPath(path);
    this.issues.push({ code, path: `${this.file}:${p.line}:${p.col}${where ? `: ${where}` : ""}`, message });
  }

  walk(node: Node | null | undefined, path: Path, depth: number): unknown {
    if (++this.nodes > MAX_NODES || depth > MAX_DEPTH) {
      if (this.nodes === MAX_NODES + 1 || depth === MAX_DEPTH + 1)
        this.problem(node, path, "too-large", "document too large or too deeply nested (after aliases)");
      return null;
    }
    if (node && !isAlias(node)) this.values.set(formatPath(path), this.pos(node));
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      // resolve() searches the document: once per alias node, not once per expansion.
      if (!this.targets.has(node)) this.targets.set(node, node.resolve(this.doc) as Node | undefined);
      const target = this.targets.get(node);
      this.values.set(formatPath(path), this.pos(node));
      return target ? this.walk(target as Node, path, depth + 1) : null;
    }
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.problem(
        node,
        path,
        "yaml-tag",
        `unsupported tag ${node.tag} (scenario files use plain YAML values)`,
      );
      // Keep a plain scalar so the schema does not report the same value a second time.
      const v = isScalar(node) ? node.value : null;
      return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : null;
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((it, i) => this.walk(it as Node, [...path, i], depth + 1));
    if (isMap(node)) return this.walkMap(node.items, path, depth);
    return null;
  }

  private walkMap(items: readonly unknown[], path: Path, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const k = pair.key as Node | null;
      if (k !== null && !isScalar(k)) {
        this.problem(k, path, "bad-key", "mapping keys must be plain words, found a list or mapping");
        continue;
      }
      const key = String(k?.value ?? "");
      this.keys.set(formatPath([...path, key]), this.pos(k ?? (pair.value as Node | null)));
      out[key] = this.walk(pair.value as Node | null, [...path, key], depth + 1);
    }
    return out;
  }
}

const TOO_DEEP = `nested deeper than ${MAX_DEPTH} levels`;
/** Zero-width markers the lexer yields besides the source text (document, scalar, flow end). */
const LEXER_MARKERS = new Set(["\u0002", "\u001f", "\u0018"]);

/**
 * Where flow collections (`[`, `{`) first nest deeper than MAX_DEPTH, if they do. The yaml
 * library composes them by recursion: `[[[[...` a few thousand deep overflows the stack, each
 * level then reporting the engine's own words. The lexer is iterative, so this finds it first.
 */
function tooDeepAt(text: string): number | undefined {
  let depth = 0;
  let offset = 0;
  let afterScalarMark = false;
  for (const tok of new Lexer().lex(text)) {
    if (!afterScalarMark && (tok === "[" || tok === "{") && ++depth > MAX_DEPTH) return offset;
    if (!afterScalarMark && (tok === "]" || tok === "}")) depth = Math.max(0, depth - 1);
    afterScalarMark = tok === "\u001f";
    if (!LEXER_MARKERS.has(tok)) offset += tok.length;
  }
  return undefined;
}

/** The library's words for a problem, in ours where they name its API or the engine's. */
function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return "a second YAML document ('---'): a file holds one document";
  if (/call stack/i.test(message)) return TOO_DEEP;
  return message;
}

/** Parse `text` (named `file` in messages). Returns the value, its positions, and parse problems. */
export function parseYaml(text: string, file: string): { source: YamlSource; issues: Issue[] } {
  const lc = new LineCounter();
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split("\n").length;
    const col = deep - before.lastIndexOf("\n");
    const issue = { code: "too-large", path: `${file}:${line}:${col}`, message: TOO_DEEP };
    return { source: { file, value: null, locate: () => ({ line: 1, col: 1 }) }, issues: [issue] };
  }
  // `version` pins YAML 1.2 even under a `%YAML 1.1` directive (where `yes` would be true).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, version: "1.2" });
  const w = new Walker(doc, lc, file);
  // Warnings change what a value means: refuse them too. Tags are reported by the walk, with
  // their key path, so that the other problems of the file are still found.
  const warnings = doc.warnings.filter((e) => e.code !== "TAG_RESOLVE_FAILED");
  for (const e of [...doc.errors, ...warnings]) {
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    const raw = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    const message = yamlMessage(e.code, raw);
    // A stack overflow surfaces once per level it unwinds: one line says it.
    if (message === TOO_DEEP && w.issues.some((i) => i.message === TOO_DEEP)) continue;
    w.issues.push({ code: `yaml-${e.code.toLowerCase()}`, path: `${file}:${p.line}:${p.col}`, message });
  }
  const value = doc.errors.length ? null : w.walk(doc.contents as Node | null, [], 0);
  const locate = (path: Path, at: "key" | "value" = "value"): Position => {
    if (at === "key") {
      const k = w.keys.get(formatPath(path));
      if (k) return k;
    }
    for (let n = path.length; n >= 0; n--) {
      const p = w.values.get(formatPath(path.slice(0, n)));
      if (p) return p;
    }
    return { line: 1, col: 1 };
  };
  return { source: { file, value, locate }, issues: w.issues };
}

/** A Reporter collecting issues as `FILE:LINE:COL: path`, in document order. */
export class SourceReporter implements Reporter {
  private readonly found: { issue: Issue; line: number; col: number; n: number }[] = [];
  constructor(private readonly source: YamlSource) {}
  report(path: Path, code: string, message: string, at: "key" | "value" = "value"): void {
    const p = this.source.locate(path, at);
    const where = formatPath(path);
    const issue = {
      code,
      path: `${this.source.file}:${p.line}:${p.col}${where ? `: ${where}` : ""}`,
      message,
    };
    this.found.push({ issue, line: p.line, col: p.col, n: this.found.length });
  }
  get issues(): Issue[] {
    return [...this.found].sort((a, b) => a.line - b.line || a.col - b.col || a.n - b.n).map((f) => f.issue);
  }
}
