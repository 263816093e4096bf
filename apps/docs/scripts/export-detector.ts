/**
 * Writes the detector the detection demo bundles, from a CLI run. Run by hand (never at build
 * time) after a training run worth showing:
 *
 *   skipnet train --model fcos_small --dataset shapes-det --out runs/det
 *   pnpm --filter @skipnet/docs export-detector --run runs/det
 *
 * `--run` takes a run directory (its checkpoints/best, else checkpoints/last) or a checkpoint
 * directory (holding state.json). It rebuilds the model from the checkpoint's state.json, loads
 * the float32 weights strictly, and writes to `--out-dir` (default apps/docs/data):
 *
 * - `<name>.safetensors`: the state dict with every float tensor stored as float16;
 * - `<name>.json`: the model and its options, class names, the training command, and the AP
 *   of the float16 weights on the first `--scenes` (default 100) `shapes-det` test scenes with
 *   the FPN's lateral skips on and off, measured here on the cpu backend.
 *
 * The float16 weights are loaded back the way the site loads them and compared with the
 * float32 ones on those scenes: the largest difference of the head outputs is recorded.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { fileURLToPath } from 'node:url';
import { loadTensors, namedSkips, parseSafetensors, registerBackend, setBackend, tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { SHAPES_DET_CLASSES } from '@skipnet/data';
import { createModel, Detector } from '@skipnet/models';
import { LATERAL_SKIPS, type DetectorAsset } from '../src/demos/detector.js';
import { evaluateDetector, float16Safetensors, packedOutputs, testScenes, type StateEntry } from './lib/detector-asset.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    run: { type: 'string' },
    'out-dir': { type: 'string', default: path.join(appDir, 'data') },
    name: { type: 'string', default: 'fcos-small' },
    scenes: { type: 'string', default: '100' },
  },
});
const fail = (message: string): never => {
  console.error(`export-detector: ${message}`);
  process.exit(1);
};
if (!args.run) fail('pass --run DIR: a `skipnet train` run directory (or one of its checkpoint directories)');
const scenesCount = Number(args.scenes);
if (!(Number.isInteger(scenesCount) && scenesCount > 0)) fail(`--scenes must be a positive integer, got '${args.scenes}'`);

// Started through `pnpm --filter @skipnet/docs export-detector`, paths are the caller's (pnpm runs scripts in apps/docs).
const callerDir = process.env.INIT_CWD ?? process.cwd();

function checkpointDir(dir: string): string {
  const abs = path.resolve(callerDir, dir);
  if (existsSync(path.join(abs, 'state.json'))) return abs;
  for (const sub of ['checkpoints/best', 'checkpoints/last']) if (existsSync(path.join(abs, sub, 'state.json'))) return path.join(abs, sub);
  return fail(`${abs} is neither a checkpoint directory (no state.json) nor a run directory (no checkpoints/best or checkpoints/last)`);
}

interface CheckpointState {
  epoch: number;
  globalStep: number;
  best?: { monitor: string; value: number; epoch: number } | null;
  config: Record<string, unknown> & { model?: unknown; dataset?: unknown; modelOptions?: Record<string, unknown> };
}

const dir = checkpointDir(args.run!);
const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
const { config } = state;
if (config.dataset !== 'shapes-det') fail(`${dir} was trained on '${String(config.dataset)}'; the demo draws shapes-det scenes, so it needs a shapes-det run`);
if (typeof config.model !== 'string') fail(`${path.join(dir, 'state.json')} does not name its model (config.model)`);
const modelName = config.model as string;

registerBackend('export-cpu', createCpuBackend);
await setBackend('export-cpu');

// The CLI builds detectors with the dataset's channels and classes, then the run's model options.
const options = { inChannels: 3, numClasses: SHAPES_DET_CLASSES.length, ...(config.modelOptions ?? {}) };
const build = (): Detector => {
  const m = createModel(modelName, options);
  if (!(m instanceof Detector)) fail(`'${modelName}' is not a detector`);
  return m as Detector;
};
const reference = build();
// The demo switches the FPN's lateral skips off; a twin built without them (`:plain`, `skip: false`) has nothing to switch.
const lateralOn = namedSkips(reference).filter(([p, s]) => (p === LATERAL_SKIPS || p.startsWith(`${LATERAL_SKIPS}.`)) && s.skip).length;
if (lateralOn === 0)
  fail(`'${modelName}' ${JSON.stringify(options)} has no lateral skips switched on; the demo shows what switching them off loses (export an fcos_small run)`);

const weightsFile = path.join(dir, 'model.safetensors');
const parsed = parseSafetensors(readFileSync(weightsFile), weightsFile);
const loaded = Object.fromEntries([...parsed.tensors].map(([k, t]) => [k, tensor(t.data, t.shape, { dtype: t.dtype })]));
reference.loadStateDict(loaded, { strict: true });
for (const t of Object.values(loaded)) t.dispose();
reference.eval();

const entries: Record<string, StateEntry> = {};
for (const [k, t] of Object.entries(reference.stateDict()))
  entries[k] = { dtype: t.dtype === 'int32' ? 'int32' : 'float32', shape: t.shape, data: await t.data() };
const bytes = float16Safetensors(entries, { format: 'skipnet-docs-detector', model: modelName });

// Load the float16 file as the site does, and compare.
const half = build();
const { tensors } = loadTensors(bytes, `${args.name}.safetensors`);
half.loadStateDict(tensors, { strict: true });
for (const t of Object.values(tensors)) t.dispose();
half.eval();

const scenes = testScenes(scenesCount, 128);
const t0 = performance.now();
const [a, b] = [await packedOutputs(reference, scenes), await packedOutputs(half, scenes)];
let maxDiff = 0;
a.forEach((chunk, i) => chunk.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[i]![j]!)))));
const on = await evaluateDetector(half, scenes, true);
const off = await evaluateDetector(half, scenes, false);
console.log(`export-detector: evaluated ${scenesCount} test scenes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const flags: [string, unknown][] = [
  ['model', modelName],
  ['dataset', config.dataset],
  ['epochs', config.epochs],
  ['batch-size', config.batchSize],
  ['lr', config.lr],
  ['optimizer', config.optimizer],
  ['schedule', config.schedule],
  ['weight-decay', config.weightDecay],
  ['clip-grad', config.clipGrad],
  ['seed', config.seed],
  ['train-size', config.trainSize ? config.trainSize : undefined],
  ['model-options', config.modelOptions && Object.keys(config.modelOptions).length ? `'${JSON.stringify(config.modelOptions)}'` : undefined],
];
const command = `skipnet train ${flags
  .filter(([, v]) => v !== undefined && v !== null)
  .map(([k, v]) => `--${k} ${String(v)}`)
  .join(' ')}`;

const asset: DetectorAsset = {
  format: 'skipnet-docs-detector',
  model: modelName,
  options,
  dataset: 'shapes-det',
  imageSize: [128, 128],
  classNames: [...SHAPES_DET_CLASSES],
  weights: { file: `${args.name}.safetensors`, bytes: bytes.length, dtype: 'F16', parameters: reference.parameters().reduce((n, p) => n + p.size, 0) },
  training: {
    command,
    epochs: state.epoch,
    step: state.globalStep,
    best: state.best ? { monitor: state.best.monitor, value: state.best.value, epoch: state.best.epoch } : null,
  },
  evaluation: { scenes: scenesCount, lateralSkipsOn: on, lateralSkipsOff: off },
  float16MaxAbsDiff: maxDiff,
};
reference.dispose();
half.dispose();

const outDir = path.resolve(callerDir, args['out-dir']!);
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, `${args.name}.safetensors`), bytes);
// Formatted as the repository's Prettier check wants every JSON file.
const jsonFile = path.join(outDir, `${args.name}.json`);
writeFileSync(jsonFile, await format(JSON.stringify(asset), { ...(await resolveConfig(jsonFile)), filepath: jsonFile }));
const fmt = (e: typeof on): string => `AP ${e.AP.toFixed(3)}, AP50 ${e.AP50.toFixed(3)}, AP small ${e.APsmall.toFixed(3)}`;
console.log(`export-detector: ${path.join(outDir, `${args.name}.safetensors`)} (${(bytes.length / 1e6).toFixed(2)} MB, float16) and ${args.name}.json`);
console.log(`  from ${dir} (${state.epoch} epochs, step ${state.globalStep}); float16 vs float32 head outputs: max |diff| ${maxDiff.toExponential(2)}`);
console.log(`  lateral skips on:  ${fmt(on)}\n  lateral skips off: ${fmt(off)}`);
