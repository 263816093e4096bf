/**
 * The training log's records, built from plain numbers: what a step record and an epoch's
 * records say, apart from the trainer's counters that feed them.
 */
import type { EpochInfo, EvalResult, LogRecord, StepInfo } from './events.js';

/** How far the fit is planned to go. */
export interface FitPlan {
  /** Epochs the fit runs to. */
  readonly epochs: number;
  /** Steps in all (epochs × batches, or maxSteps). */
  readonly totalSteps: number;
}

/**
 * What happened since the previous step record. The loss sums survive a resume (they are in the
 * checkpoint); the clock restarts with each epoch and process, so it counts its own steps.
 */
export interface LogInterval {
  /** Sum of the steps' losses, over `lossSteps` steps. */
  readonly lossSum: number;
  readonly lossSteps: number;
  /** Steps, samples and wall-clock seconds timed since the clock last started. */
  readonly timedSteps: number;
  readonly samples: number;
  readonly seconds: number;
}

/** A step record: the interval's mean loss and throughput, the running metrics, and an ETA at the interval's pace. */
export function stepRecord(info: StepInfo, interval: LogInterval, plan: FitPlan, metrics: Readonly<Record<string, number>>): LogRecord {
  const remaining = Math.max(0, plan.totalSteps - info.step);
  return {
    kind: 'step',
    split: 'train',
    epoch: info.epoch,
    epochs: plan.epochs,
    step: info.step,
    totalSteps: plan.totalSteps,
    loss: interval.lossSum / interval.lossSteps,
    metrics,
    lr: info.lr,
    imagesPerSec: interval.seconds > 0 ? interval.samples / interval.seconds : 0,
    eta: interval.timedSteps > 0 && Number.isFinite(remaining) ? (remaining * interval.seconds) / interval.timedSteps : null,
  };
}

/** The records of a finished epoch: one for training, and one for validation when there was one. */
export function epochRecords(epoch: number, step: number, lr: number, plan: FitPlan, train: EvalResult, val: EvalResult | null): LogRecord[] {
  const base = { kind: 'epoch', epoch, epochs: plan.epochs, step, totalSteps: plan.totalSteps, lr } as const;
  const done = Math.max(0, plan.totalSteps - step) === 0;
  const records: LogRecord[] = [{ ...base, split: 'train', loss: train.loss, metrics: train.metrics, imagesPerSec: train.imagesPerSec, eta: done ? 0 : null }];
  if (val) records.push({ ...base, split: 'val', loss: val.loss, metrics: val.metrics, imagesPerSec: val.imagesPerSec, eta: null });
  return records;
}

/** The Keras-style flat view of an epoch: `loss`, `<metric>`, `val_loss`, `val_<metric>`. */
export function epochLogs(train: EvalResult, val: EvalResult | null): EpochInfo['logs'] {
  const logs: Record<string, number> = { loss: train.loss, ...train.metrics };
  if (val) {
    logs.val_loss = val.loss;
    for (const [k, v] of Object.entries(val.metrics)) logs[`val_${k}`] = v;
  }
  return logs;
}
