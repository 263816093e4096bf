/**
 * What every demo component shares: the backend picker, a chunked training loop, status,
 * and a clean exit — on unmount no step starts again and the session's tensors are freed.
 * The heavy modules (core, models, backends) are imported only when the component mounts.
 */
import { onMounted, onUnmounted, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { BackendChoice } from './backends.js';
import { ChunkedLoop } from './runner.js';

export interface DemoSession {
  /** One training step; a session without it only predicts (no loop, Train does nothing). */
  trainStep?(): Promise<void>;
  dispose(): void;
}

export type DemoStatus = 'loading' | 'idle' | 'running' | 'paused' | 'error';

/**
 * Core's active backend is global, so on a page with two demos only one trains at a time:
 * starting one pauses the other, and every demo re-selects its own backend before it creates
 * tensors.
 */
let current: { pause(): Promise<void> } | null = null;

export interface DemoHandle<S extends DemoSession> {
  backends: Ref<BackendChoice[]>;
  backend: Ref<string>;
  status: Ref<DemoStatus>;
  error: Ref<string>;
  session: ShallowRef<S | null>;
  /** Increments after every step (computed values depend on it). */
  tick: Ref<number>;
  msPerStep: Ref<number>;
  start(): void;
  pause(): Promise<void>;
  /** Rebuilds the session (same backend), keeping the run state. */
  reset(): Promise<void>;
  /** Runs `fn` with this demo's backend active and every other demo paused (sampling, predicting). */
  exclusive<T>(fn: (s: S) => Promise<T>): Promise<T | undefined>;
}

/**
 * `create` builds a session on the active backend; `afterStep` runs after each step (drawing).
 */
export function useDemo<S extends DemoSession>(create: () => Promise<S>, afterStep: (s: S) => void | Promise<void> = () => {}): DemoHandle<S> {
  const backends = ref<BackendChoice[]>([]);
  const backend = ref('cpu');
  const status = ref<DemoStatus>('loading');
  const error = ref('');
  const session = shallowRef<S | null>(null) as ShallowRef<S | null>;
  const tick = ref(0);
  const msPerStep = ref(0);
  let loop: ChunkedLoop | null = null;
  let backendsMod: typeof import('./backends.js') | null = null;
  let unmounted = false;
  let exclusiveWork: Promise<unknown> = Promise.resolve();

  const fail = (e: unknown): void => {
    status.value = 'error';
    error.value = e instanceof Error ? e.message : String(e);
  };

  const me = { pause: () => pause() };
  async function claim(): Promise<void> {
    if (current && current !== me) await current.pause();
    current = me;
    await backendsMod!.useBackend(backend.value);
  }

  async function rebuild(): Promise<void> {
    await loop?.stop();
    loop = null;
    // A prediction in flight finishes on the session it started with before that is disposed.
    await exclusiveWork;
    session.value?.dispose();
    session.value = null;
    await claim();
    const s = await create();
    if (unmounted) {
      s.dispose();
      return;
    }
    session.value = s;
    msPerStep.value = 0;
    const step = s.trainStep?.bind(s);
    loop = step
      ? new ChunkedLoop(async () => {
          const t = performance.now();
          await step();
          const dt = performance.now() - t;
          msPerStep.value = msPerStep.value ? msPerStep.value * 0.9 + dt * 0.1 : dt;
          tick.value++;
          await afterStep(s);
        }, fail)
      : null;
    tick.value++;
    await afterStep(s);
  }

  function start(): void {
    const l = loop;
    if (!l || status.value === 'loading' || status.value === 'error') return;
    status.value = 'running';
    void claim().then(() => {
      if (status.value === 'running' && loop === l) l.start();
    }, fail);
  }
  async function exclusive<T>(fn: (s: S) => Promise<T>): Promise<T | undefined> {
    const s = session.value;
    if (!s) return undefined;
    const work = claim().then(() => fn(s));
    exclusiveWork = work.catch(() => {});
    return work;
  }
  async function pause(): Promise<void> {
    await loop?.pause();
    if (status.value === 'running') status.value = 'paused';
  }
  async function reset(): Promise<void> {
    const wasRunning = status.value === 'running';
    status.value = 'loading';
    try {
      await rebuild();
      status.value = 'idle';
      if (wasRunning) start();
    } catch (e) {
      fail(e);
    }
  }

  watch(backend, async () => {
    if (!backendsMod) return;
    const wasRunning = status.value === 'running';
    status.value = 'loading';
    try {
      await loop?.stop();
      await rebuild(); // claims the new backend first
      status.value = 'idle';
      if (wasRunning) start();
    } catch (e) {
      fail(e);
    }
  });

  onMounted(async () => {
    try {
      backendsMod = await import('./backends.js');
      if (unmounted) return;
      backends.value = backendsMod.knownBackends();
      await rebuild();
      if (unmounted) return;
      status.value = 'idle';
      // Which other backends work here is found out after the demo is usable.
      setTimeout(() => {
        if (unmounted || !backendsMod) return;
        void backendsMod.probeBackends().then((list) => {
          if (unmounted || !backendsMod) return;
          backends.value = list;
          // Until now only cpu could be chosen; a demo nobody has started moves to the fastest.
          const fastest = backendsMod.fastestBackend(list);
          if (status.value === 'idle' && tick.value <= 1 && backend.value !== fastest) backend.value = fastest;
        }, fail);
      }, 200);
    } catch (e) {
      fail(e);
    }
  });

  onUnmounted(() => {
    unmounted = true;
    if (current === me) current = null;
    const l = loop;
    const s = session.value;
    loop = null;
    session.value = null;
    void (async () => {
      await l?.stop();
      await exclusiveWork;
      s?.dispose();
      // For the end-to-end tests: what is left on the backend once the demo has gone.
      if (backendsMod && typeof document !== 'undefined') document.documentElement.dataset.skipnetLiveTensors = String(backendsMod.liveTensors());
    })();
  });

  return { backends, backend, status, error, session, tick, msPerStep, start, pause, reset, exclusive };
}
