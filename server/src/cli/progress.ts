/**
 * One progress line on stderr, rewritten in place with \r, for scans long
 * enough to wonder about. Only on a terminal: in a pipe or a CI log each
 * rewrite would be a line of noise.
 */
import type { ScanProgress } from '../core/workspaceScan.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Nothing is shown before the scan has run this long (quick scans never flash a line). */
  delayMs?: number;
  /** At most one redraw per interval. */
  intervalMs?: number;
  now?: () => number;
}

const CLEAR = '\r\u001b[K';

export class Progress {
  private readonly enabled: boolean;
  private readonly start: number;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private shown = false;
  private latest: ScanProgress | undefined;

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressOptions = {},
  ) {
    this.enabled = stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.start = this.now();
    this.delayMs = options.delayMs ?? 500;
    this.intervalMs = options.intervalMs ?? 100;
  }

  update(progress: ScanProgress): void {
    if (!this.enabled) return;
    this.latest = progress;
    const now = this.now();
    if (now - this.start < this.delayMs || now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(progress);
  }

  /** Writes a message on its own line, then puts the progress line back. */
  log(message: string): void {
    if (this.shown) this.stream.write(CLEAR);
    this.stream.write(`${message}\n`);
    if (this.shown && this.latest) this.draw(this.latest);
  }

  /** Erases the line, leaving the cursor where the line began. */
  clear(): void {
    if (this.shown) this.stream.write(CLEAR);
    this.shown = false;
  }

  private draw(p: ScanProgress): void {
    const projects = p.projectsTotal > 0 ? `, projects ${p.projectsDone}/${p.projectsTotal}` : '';
    const text = `pypi-status: files ${p.filesParsed}/${p.filesTotal}${projects}`;
    // Wider than the terminal, the line would wrap and \r would no longer reach its start.
    // A terminal of unknown size (a pty nobody sized reports 0 columns) gets the classic 80.
    const width = Math.max(10, (this.stream.columns || 80) - 1);
    this.stream.write(`${CLEAR}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }
}
