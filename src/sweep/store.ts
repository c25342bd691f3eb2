/**
 * The result store: one SQLite file (better-sqlite3), one row per point keyed by its content hash.
 * A result is written as soon as it arrives, with INSERT OR IGNORE, so an interrupted sweep keeps
 * everything finished and a point stored twice (a retried job) is stored once. Each row keeps the
 * run's whole result, so a metric added to the sweep file later is read from the store, not rerun.
 *
 * Why SQLite rather than DuckDB: the store's work is many small writes as points finish, each
 * durable at once, and lookups by key (which points are missing); that is an OLTP row store's job.
 * Sweeps are thousands to millions of rows, which SQLite aggregates fast enough, and exports cover
 * analysis elsewhere (parquet for DuckDB, pandas, polars). better-sqlite3 builds from source with
 * the compiler npm already uses (no download at install time), is synchronous (no callback per
 * insert), and the file opens with any sqlite3 shell.
 */
import Database from "better-sqlite3";
import { InputError } from "../base/errors.js";
import type { FullPointResult } from "./run-point.js";
import type { SweepPoint } from "./types.js";

/** A stored point: what identifies it and what its run gave. */
export interface StoredResult {
  readonly hash: string;
  readonly revision: string;
  readonly seed: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly version: string;
  /** The run's whole result (RevisionResult as JSON), or undefined when it failed or was not sent. */
  readonly result: unknown;
  /** The metrics the run extracted (used when the whole result is absent). */
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly error: string | undefined;
  readonly elapsedMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS results (
  hash TEXT PRIMARY KEY,
  revision TEXT NOT NULL,
  seed INTEGER NOT NULL,
  vals TEXT NOT NULL,
  version TEXT NOT NULL,
  result TEXT,
  metrics TEXT NOT NULL,
  error TEXT,
  elapsed_ms REAL NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  hash: string;
  revision: string;
  seed: number;
  vals: string;
  version: string;
  result: string | null;
  metrics: string;
  error: string | null;
  elapsed_ms: number;
}

export class ResultStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly byHash: Database.Statement;

  /** Open (or create) the store at `path` (":memory:" for none); a file that is not one is an InputError. */
  constructor(readonly path: string) {
    try {
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new InputError({
        code: "store",
        path,
        message: `cannot open the result store: ${(e as Error).message}`,
      });
    }
    this.insert = this.db.prepare(
      "INSERT OR IGNORE INTO results (hash, revision, seed, vals, version, result, metrics, error, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.byHash = this.db.prepare("SELECT * FROM results WHERE hash = ?");
  }

  /** Store a point's result once; returns false when it was already there. */
  put(point: SweepPoint, r: FullPointResult): boolean {
    const info = this.insert.run(
      point.hash,
      point.revision,
      point.seed,
      JSON.stringify(point.values),
      point.version,
      r.result === undefined ? null : JSON.stringify(r.result),
      JSON.stringify(r.metrics),
      r.error ?? null,
      r.elapsedMs,
    );
    return info.changes === 1;
  }

  has(hash: string): boolean {
    return this.byHash.get(hash) !== undefined;
  }

  get(hash: string): StoredResult | undefined {
    const row = this.byHash.get(hash) as Row | undefined;
    return row && toStored(row);
  }

  /** The points of `points` with no stored result, in plan order. */
  missing(points: readonly SweepPoint[]): SweepPoint[] {
    return points.filter((p) => !this.has(p.hash));
  }

  /** Every row, by hash: what two stores are compared on (elapsed time left out). */
  rows(): Omit<StoredResult, "elapsedMs">[] {
    const rows = this.db.prepare("SELECT * FROM results ORDER BY hash").all() as Row[];
    return rows.map((r) => {
      const { elapsedMs: _e, ...rest } = toStored(r);
      return rest;
    });
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM results").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

function toStored(r: Row): StoredResult {
  return {
    hash: r.hash,
    revision: r.revision,
    seed: r.seed,
    values: JSON.parse(r.vals) as Record<string, unknown>,
    version: r.version,
    result: r.result === null ? undefined : JSON.parse(r.result),
    metrics: JSON.parse(r.metrics) as Record<string, number | null>,
    error: r.error ?? undefined,
    elapsedMs: r.elapsed_ms,
  };
}
