/**
 * A one-line progress bar on a terminal, redrawn in place: `demo  [#########-----------]  123/345  36%`.
 * Shown on stderr only when it is a terminal, so pipes, logs and `--json` never see it.
 */

/** The part of a TTY stream the bar uses. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export interface ProgressBar {
  /** Before any operation: what is going on (e.g. "reading Aimaira…"). */
  status(text: string): void;
  update(done: number, total: number): void;
  /** Clears the line, leaving the terminal as it was. */
  finish(): void;
}

const noProgress: ProgressBar = { status: () => undefined, update: () => undefined, finish: () => undefined };

/** Shortest time between two redraws, so thousands of operations do not flood the terminal. */
const redrawIntervalMs = 80;

export function createProgressBar(
  stream: ProgressStream,
  label: string,
  now: () => number = () => Date.now(),
): ProgressBar {
  if (!stream.isTTY) return noProgress;
  let drawnAt = -Infinity;
  let shown = false;
  // A terminal that does not tell its width (0 or absent) is taken as 80 columns wide.
  const columns = () => (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80);
  const draw = (line: string) => {
    const width = Math.max(20, columns() - 1);
    stream.write(`\r\x1b[2K${line.slice(0, width)}`);
    shown = true;
  };
  return {
    status(text) {
      draw(`${label}  ${text}`);
    },
    update(done, total) {
      const last = done >= total;
      if (!last && now() - drawnAt < redrawIntervalMs) return;
      drawnAt = now();
      draw(renderProgress(label, done, total, columns()));
    },
    finish() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** The bar's text for `done` of `total`, fitted to `columns`. */
export function renderProgress(label: string, done: number, total: number, columns: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const figures = `${done}/${total}  ${Math.floor(ratio * 100)}%`;
  const barWidth = Math.max(10, Math.min(40, columns - label.length - figures.length - 8));
  const filled = Math.round(ratio * barWidth);
  return `${label}  [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]  ${figures}`;
}
