/** The `metrics.jsonl` log: one JSON object per logged step and per epoch summary. */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { Callback, LogRecord, TrainingContext } from '../events.js';
import { ensureParent } from './checkpoint.js';

/** One line of `metrics.jsonl` (NaN and infinities are written as `null`). */
export interface MetricsLine {
  /** 0-based epoch. */
  readonly epoch: number;
  /** Global step. */
  readonly step: number;
  /** `train` or `val`. */
  readonly split: 'train' | 'val';
  /** `step` for logged steps, `epoch` for epoch summaries. */
  readonly kind: 'step' | 'epoch';
  /** Mean loss (see `LogRecord.loss`). */
  readonly loss: number | null;
  /** Metric values. */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Learning rate. */
  readonly lr: number;
  /** Throughput. */
  readonly imagesPerSec: number;
  /** Wall-clock time of the record (ISO 8601). */
  readonly time: string;
}

/**
 * Writes every log record as a line of JSON to `path`. A fresh run truncates the file; a
 * resumed run keeps the lines up to the checkpoint's step and drops those an interrupted
 * run wrote after it, so the file reads as one uninterrupted run.
 */
export class MetricsJsonlWriter implements Callback {
  readonly name = 'metricsJsonl';
  /** The file written. */
  readonly path: string;
  /** @param path file to write, e.g. `runs/a/metrics.jsonl` (parent directories are created). */
  constructor(path: string) {
    this.path = path;
  }

  async onFitStart(trainer: TrainingContext): Promise<void> {
    await ensureParent(this.path);
    if (!trainer.state.resumed) {
      // A fresh run (step 0) starts a new file; a later fit on the same trainer appends.
      if (trainer.state.globalStep === 0) await writeFile(this.path, '');
      return;
    }
    const existing = await readFile(this.path, 'utf8').catch(() => '');
    const step = trainer.state.globalStep;
    const kept = existing.split('\n').filter((line) => {
      if (!line.trim()) return false;
      try {
        const r = JSON.parse(line) as { step?: unknown; kind?: unknown };
        // Epoch summaries at the resume step were written before the checkpoint only when
        // the checkpoint is at an epoch boundary (batch 0).
        if (typeof r.step !== 'number') return false;
        return r.step < step || (r.step === step && (r.kind === 'step' || trainer.state.batch === 0));
      } catch {
        return false;
      }
    });
    await writeFile(this.path, kept.map((l) => `${l}\n`).join(''));
  }

  async onLog(_trainer: TrainingContext, record: LogRecord): Promise<void> {
    const line: MetricsLine = {
      epoch: record.epoch,
      step: record.step,
      split: record.split,
      kind: record.kind,
      loss: record.loss,
      metrics: record.metrics,
      lr: record.lr,
      imagesPerSec: record.imagesPerSec,
      time: new Date().toISOString(),
    };
    await appendFile(this.path, `${JSON.stringify(line)}\n`);
  }
}
