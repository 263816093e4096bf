/**
 * Runs a training loop in small chunks so the page stays responsive: one step, then a yield
 * to the event loop (`await new Promise(r => setTimeout(r))`), until paused or stopped.
 */
export class ChunkedLoop {
  #running = false;
  #stopped = false;
  #busy: Promise<void> | null = null;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly onError: (e: unknown) => void = console.error,
  ) {}

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#busy = this.#loop();
  }

  /** Pauses after the current step; resolves when it has finished. */
  async pause(): Promise<void> {
    this.#running = false;
    await this.#busy;
  }

  /** Stops for good (page left): no step starts after this; resolves when the current one ends. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.pause();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#running && !this.#stopped) {
        await this.step();
        await new Promise((r) => setTimeout(r));
      }
    } catch (e) {
      this.#running = false;
      this.onError(e);
    }
  }
}

/** Exponential moving average of a series (for readable loss curves). */
export function smooth(values: readonly number[], alpha = 0.15): number[] {
  let s = values[0] ?? 0;
  return values.map((v) => (s = s + alpha * (v - s)));
}
