/**
 * Progress of a sweep on stderr: on a terminal, one line redrawn at most every 200 ms with the
 * points done, the share, the rate and the ETA (from the rate so far); elsewhere nothing until the
 * closing summary (logs stay clean). A minimal stand-in until the shared progress module
 * (src/cli/progress.ts, issue 11) lands; it then replaces this file.
 */
import type { SweepProgress } from "../sweep/sweep.js";

const REDRAW_MS = 200;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = String(m).padStart(h ? 2 : 1, "0");
  return `${h ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

/** The progress line for `p` after `elapsedMs` (pure: tested on its own). */
export function progressLine(p: SweepProgress, elapsedMs: number): string {
  const rate = p.done / Math.max(elapsedMs / 1000, 1e-3);
  const left = p.todo - p.done;
  const pct = p.todo ? Math.floor((100 * p.done) / p.todo) : 100;
  const eta = p.done ? formatDuration(left / rate) : "?";
  const reused = p.reused ? `, ${p.reused} stored` : "";
  const failed = p.failed ? `, ${p.failed} failed` : "";
  return `sweep: ${p.done}/${p.todo} points (${pct}%)${reused}${failed}, ${rate.toFixed(1)}/s, ETA ${eta}`;
}

export function progressReporter(write: (t: string) => void, tty: boolean, now = () => performance.now()) {
  const t0 = now();
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p: SweepProgress): void {
      if (!tty) return;
      const t = now();
      if (t - last < REDRAW_MS && p.done < p.todo) return;
      last = t;
      drawn = true;
      write(`\r\x1b[2K${progressLine(p, t - t0)}`);
    },
    /** Clear the line (the caller prints its summary). */
    end(): void {
      if (drawn) write("\r\x1b[2K");
    },
  };
}
