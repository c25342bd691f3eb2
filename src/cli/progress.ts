/**
 * A one-line progress display on stderr for long runs: drawn only when stderr is a terminal (never
 * into a pipe or a file, so scripts and logs see nothing) and only once the work has taken longer
 * than `delayMs` (a quick run prints nothing). It rewrites one line in place ("\r" and erase to the
 * end of the line) at most every `everyMs`, and erases it when done.
 *
 *   const p = new Progress(io, "tphlab run");
 *   p.update(0.4, "v11 (2/3): 80us of 200us simulated");   // -> "tphlab run: v11 ... 40%, ETA 3s"
 *   p.done();
 */
import type { Io } from "./io.js";

export interface ProgressOptions {
  /** Show nothing before the work has taken this long (ms). Default 1000. */
  readonly delayMs?: number;
  /** Redraw at most this often (ms). Default 100. */
  readonly everyMs?: number;
}

export class Progress {
  private readonly clock: (() => number) | undefined;
  private readonly start: number;
  private readonly delayMs: number;
  private readonly everyMs: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly io: Io,
    private readonly label: string,
    o: ProgressOptions = {},
  ) {
    const on = io.stderrIsTTY === true && io.env.TERM !== "dumb";
    this.clock = on ? io.clock : undefined;
    this.start = this.clock?.() ?? 0;
    this.delayMs = o.delayMs ?? 1000;
    this.everyMs = o.everyMs ?? 100;
  }

  /** Whether anything can be drawn (stderr is a terminal with a clock). */
  get enabled(): boolean {
    return this.clock !== undefined;
  }

  /** The work is `fraction` (0..1) done; `detail` says where. */
  update(fraction: number, detail: string): void {
    if (!this.clock) return;
    const now = this.clock();
    const elapsed = now - this.start;
    if (elapsed < this.delayMs || now - this.lastDraw < this.everyMs) return;
    this.lastDraw = now;
    const f = Math.min(1, Math.max(0, fraction));
    const eta = f > 0 ? `, ETA ${formatSeconds((elapsed * (1 - f)) / f / 1000)}` : "";
    this.io.stderr(`\r${this.label}: ${detail}, ${Math.floor(f * 100)}%${eta}\x1b[K`);
    this.drawn = true;
  }

  /** Erase the line (if one was drawn). */
  done(): void {
    if (this.drawn) this.io.stderr("\r\x1b[K");
    this.drawn = false;
  }
}

/** "3s", "1m05s", "2h03m". */
export function formatSeconds(s: number): string {
  const n = Math.ceil(s);
  if (n < 60) return `${n}s`;
  if (n < 3600) return `${Math.floor(n / 60)}m${String(n % 60).padStart(2, "0")}s`;
  return `${Math.floor(n / 3600)}h${String(Math.floor((n % 3600) / 60)).padStart(2, "0")}m`;
}
