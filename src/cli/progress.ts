/**
 * Progress for long work: a redrawn bar when the stream is a terminal, a plain line every `intervalMs`
 * otherwise (CI logs, files), so progress never floods a log and never goes silent.
 */

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
  readonly label: string;
  /** Total units of work, when known; without it the bar shows a count and a rate only. */
  readonly total?: number;
  readonly unit?: string;
  readonly intervalMs?: number;
  /** Injected by tests. */
  readonly now?: () => number;
}

export interface Progress {
  /** Sets the done count and an optional short status (e.g. "loss 2.31 lr 3e-4"). */
  update(done: number, status?: string): void;
  /** Writes the final line. */
  finish(status?: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const {stream, label, total, unit = "", intervalMs = 5000} = options;
  const now = options.now ?? (() => Date.now());
  const tty = stream.isTTY === true;
  const start = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let done = 0;
  let status = "";

  function line(): string {
    const elapsed = (now() - start) / 1000;
    // A rate over the first moments says nothing (1 step in 1 ms is not 1000 steps/s).
    const rate = elapsed >= 1 ? done / elapsed : 0;
    const rateText = `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}${unit ? ` ${unit}` : ""}/s`;
    const parts = [label];
    if (total != null && total > 0) {
      const fraction = Math.min(1, done / total);
      if (tty) {
        const width = 24;
        const filled = Math.round(fraction * width);
        parts.push(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
      }
      parts.push(`${done}/${total} (${(fraction * 100).toFixed(1)}%)`, rateText);
      parts.push(`ETA ${formatDuration(rate > 0 ? (total - done) / rate : Number.NaN)}`);
    } else {
      parts.push(String(done), rateText);
    }
    parts.push(`elapsed ${formatDuration(elapsed)}`);
    if (status) parts.push(status);
    return parts.join("  ");
  }

  let lastLine = "";

  function draw(force: boolean): void {
    const t = now();
    if (!force && t - lastDraw < (tty ? 100 : intervalMs)) return;
    lastDraw = t;
    const text = line();
    if (tty) {
      const columns = stream.columns ?? 120;
      stream.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
    } else if (text !== lastLine) {
      // A log gets no repeated line when finish() comes right after an update.
      stream.write(text + "\n");
    }
    lastLine = text;
  }

  return {
    update(value, text) {
      done = value;
      if (text != null) status = text;
      draw(false);
    },
    finish(text) {
      if (text != null) status = text;
      draw(true);
      if (tty) stream.write("\n");
    }
  };
}
