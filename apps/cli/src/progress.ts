/** Live progress on a terminal, plain lines elsewhere (logs, CI, pipes). */

/** What a progress update shows. */
export interface ProgressState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly imagesPerSec: number;
  readonly eta: number | null;
}

function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function metricsText(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${k.includes('acc') || k.includes('iou') ? (100 * v).toFixed(1) + '%' : v.toFixed(3)}`)
    .join('  ');
}

/** Progress display bound to a stream. */
export class Progress {
  private lastPlain = 0;
  private active = false;
  private readonly interactive: boolean;
  /**
   * @param quiet print nothing but {@link result} lines (errors are the caller's to print).
   * @param out where progress goes (stderr, so stdout carries only results).
   */
  constructor(
    private readonly quiet = false,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.interactive = Boolean(out.isTTY) && !process.env.CI;
  }

  /** Redraws the bar (terminal) or prints a line at most every few seconds (elsewhere). */
  update(s: ProgressState): void {
    if (this.quiet) return;
    const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
    const text = `loss ${s.loss.toFixed(4)}  ${metricsText(s.metrics)}  ${s.imagesPerSec.toFixed(0)} img/s  ETA ${duration(s.eta)}`;
    if (this.interactive) {
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `${s.label} ${bar} ${String(s.done).padStart(String(s.total).length)}/${s.total}  ${text}`;
      this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}`);
      this.active = true;
    } else {
      const now = Date.now();
      if (now - this.lastPlain < 2000 && s.done < s.total) return;
      this.lastPlain = now;
      this.out.write(`${s.label} step ${s.done}/${s.total}  ${text}\n`);
    }
  }

  /** Prints a line that stays (ends a bar first); nothing when quiet. */
  line(text: string): void {
    if (this.quiet) return;
    this.endBar();
    this.out.write(text + '\n');
  }

  /** Prints a result line on stdout, quiet or not. */
  result(text: string): void {
    this.endBar();
    process.stdout.write(text + '\n');
  }

  private endBar(): void {
    if (this.active) this.out.write('\r\x1b[2K');
    this.active = false;
  }
}
