/**
 * End-to-end, from a user's own working folder: skipnet never deletes or overwrites what it did
 * not write, every path is the caller's, a refused command leaves nothing behind, and the CLI
 * does what its help says.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { listDatasets } from '@skipnet/data';
import { defaultsForDataset } from './run-config.js';
import { cliMain, listTree, makeWorkdir, repoRoot, runCli } from './test/harness.js';

/** A small, fast run: a 2-block residual MLP on 256 digits, one epoch. */
const SMALL = [
  '--model',
  'mlp',
  '--model-options',
  '{"depth":2,"width":16}',
  '--train-size',
  '256',
  '--test-size',
  '128',
  '--batch-size',
  '64',
  '--epochs',
  '1',
];

beforeAll(() => {
  if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: build the CLI first (pnpm build)`);
});

describe('--overwrite replaces only a skipnet run', () => {
  it('refuses a folder holding other files, names them, and deletes nothing', () => {
    const home = makeWorkdir();
    mkdirSync(join(home, 'scratch', 'sub'), { recursive: true });
    writeFileSync(join(home, 'scratch', 'important.txt'), 'keep me');
    writeFileSync(join(home, 'scratch', 'sub', 'data.csv'), '1,2,3');
    const before = listTree(home);
    const r = runCli(home, 'train', ...SMALL, '--out', 'scratch', '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(home, 'scratch'));
    expect(r.stderr).toMatch(/important\.txt, sub\/.*Nothing was changed/);
    expect(listTree(home)).toEqual(before);
    expect(readFileSync(join(home, 'scratch', 'important.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses the working directory and its parents, even when they hold a run', () => {
    const home = makeWorkdir();
    expect(runCli(home, 'train', ...SMALL, '--out', 'run', '--quiet').code).toBe(0);
    const before = listTree(home);
    const inside = runCli(join(home, 'run'), 'train', ...SMALL, '--out', '.', '--overwrite');
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/refusing to replace .*: it is the working directory\. Nothing was deleted/);
    const parent = runCli(join(home, 'run', 'checkpoints'), 'train', ...SMALL, '--out', '..', '--overwrite');
    expect(parent.code).toBe(1);
    expect(parent.stderr).toMatch(/parent of the working directory/);
    const root = runCli(home, 'train', ...SMALL, '--out', '/', '--overwrite');
    expect(root.code).toBe(1);
    expect(listTree(home)).toEqual(before);
  });

  it('replaces a run skipnet wrote, and refuses it once a user file is added', () => {
    const home = makeWorkdir();
    expect(runCli(home, 'train', ...SMALL, '--out', 'run', '--quiet').code).toBe(0);
    const again = runCli(home, 'train', ...SMALL, '--out', 'run', '--quiet', '--overwrite', '--seed', '5');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'run', 'config.json'), 'utf8'))).toMatchObject({ skipnet: 'run', seed: 5 });
    writeFileSync(join(home, 'run', 'notes.md'), 'mine');
    const refused = runCli(home, 'train', ...SMALL, '--out', 'run', '--overwrite');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/notes\.md/);
    expect(readFileSync(join(home, 'run', 'notes.md'), 'utf8')).toBe('mine');
    expect(existsSync(join(home, 'run', 'checkpoints', 'last', 'state.json'))).toBe(true);
  });

  it('refuses an --out that is a file, and leaves it as it was', () => {
    const home = makeWorkdir();
    writeFileSync(join(home, 'results.csv'), 'a,b');
    const r = runCli(home, 'train', ...SMALL, '--out', 'results.csv', '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/results\.csv is a file, not a folder; nothing was changed/);
    expect(readFileSync(join(home, 'results.csv'), 'utf8')).toBe('a,b');
  });

  it('predict never writes its mask over an existing file', () => {
    const home = makeWorkdir();
    const seg = [
      '--model',
      'unet',
      '--dataset',
      'shapes',
      '--model-options',
      '{"baseWidth":4}',
      '--train-size',
      '16',
      '--test-size',
      '8',
      '--batch-size',
      '8',
      '--epochs',
      '1',
    ];
    expect(runCli(home, 'train', ...seg, '--out', 'seg', '--quiet').code).toBe(0);
    const scene = new PNG({ width: 64, height: 64 });
    scene.data.fill(255);
    writeFileSync(join(home, 'scene.png'), PNG.sync.write(scene));
    writeFileSync(join(home, 'mine.png'), 'not a mask');
    const first = runCli(home, 'predict', '--checkpoint', 'seg', '--input', 'scene.png', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).mask).toBe('scene.png.mask.png');
    const again = runCli(home, 'predict', '--checkpoint', 'seg', '--input', 'scene.png');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/scene\.png\.mask\.png already exists; skipnet does not overwrite files/);
    const onMine = runCli(home, 'predict', '--checkpoint', 'seg', '--input', 'scene.png', '--out', 'mine.png');
    expect(onMine.code).toBe(1);
    expect(readFileSync(join(home, 'mine.png'), 'utf8')).toBe('not a mask');
  });

  it('compare --overwrite refuses a folder that is not a comparison', () => {
    const home = makeWorkdir();
    mkdirSync(join(home, 'cmp'));
    writeFileSync(join(home, 'cmp', 'thesis.tex'), 'x');
    const r = runCli(home, 'compare', '--models', 'mlp,mlp:plain', ...SMALL.slice(2), '--out', 'cmp', '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/thesis\.tex/);
    expect(listTree(join(home, 'cmp'))).toEqual(['thesis.tex']);
  });
});

describe("paths are the caller's, however the CLI is started", () => {
  it('scripts/skipnet from another folder: --out, the default runs/, --checkpoint and --input resolve there', () => {
    const home = makeWorkdir();
    const script = (...args: string[]) => {
      const r = spawnSync('bash', [join(repoRoot, 'scripts', 'skipnet'), ...args], { cwd: home, encoding: 'utf8', env: { ...process.env, CI: '1' } });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const repoRunsBefore = listTree(join(repoRoot, 'runs'));
    const train = script('train', ...SMALL, '--quiet');
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(join(home, 'runs', 'mlp-mnist', 'checkpoints', 'last', 'state.json'))).toBe(true);
    expect(listTree(join(repoRoot, 'runs'))).toEqual(repoRunsBefore);
    const evalRun = script('eval', '--checkpoint', 'runs/mlp-mnist', '--json');
    expect(evalRun.code, evalRun.stderr).toBe(0);
    expect(JSON.parse(evalRun.stdout).checkpoint).toBe(join(home, 'runs', 'mlp-mnist', 'checkpoints', 'best'));
    writeFileSync(join(home, 'digit.png'), digitPng('light-on-dark'));
    const predict = script('predict', '--checkpoint', 'runs/mlp-mnist', '--input', 'digit.png', '--json');
    expect(predict.code, predict.stderr).toBe(0);
    expect(JSON.parse(predict.stdout).top).toHaveLength(5);
  });

  it("--config reads the caller's file; a run's own config.json works as one", () => {
    const home = makeWorkdir();
    expect(runCli(home, 'train', ...SMALL, '--seed', '9', '--out', 'a', '--quiet').code).toBe(0);
    const r = runCli(home, 'train', '--config', 'a/config.json', '--out', 'b', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'b', 'config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(home, 'a', 'config.json'), 'utf8')));
  });
});

describe('a refused command leaves nothing behind', () => {
  it('a misspelt dataset writes no file, suggests the name, and the corrected command runs', () => {
    const home = makeWorkdir();
    const bad = runCli(home, 'train', ...SMALL, '--dataset', 'mnsit', '--out', 'runs/bad2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown dataset 'mnsit' \(did you mean 'mnist'\?\)/);
    expect(listTree(home)).toEqual([]);
    const good = runCli(home, 'train', ...SMALL, '--dataset', 'mnist', '--out', 'runs/bad2', '--quiet');
    expect(good.code, good.stderr).toBe(0);
  });

  it.each([
    [['train', '--model', 'gpt', '--dataset', 'mnist'], /model 'gpt' cannot take dataset 'mnist'/],
    [['train', ...SMALL, '--backend', 'wsam'], /unknown backend 'wsam' \(did you mean 'wasm'\?\)/],
    [['train', ...SMALL, '--epochs', '0'], /--epochs: 0 must be ≥ 1/],
    [['train', ...SMALL, '--model-options', '{"depth":'], /--model-options: not valid JSON/],
  ])('%j', (args, message) => {
    const home = makeWorkdir();
    const r = runCli(home, ...(args as string[]), '--out', 'r');
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.code).not.toBe(0);
    expect(listTree(home)).toEqual([]);
  });

  it('compare checks every model name before training the first', () => {
    const home = makeWorkdir();
    const r = runCli(home, 'compare', '--models', 'resnet20,resnet19', '--epochs', '1', '--out', 'cmp');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown model 'resnet19' \(did you mean 'resnet18'\?\)/);
    expect(r.stderr).not.toMatch(/training resnet20/);
    expect(listTree(home)).toEqual([]);
    const unfit = runCli(home, 'compare', '--models', 'mlp,vit_b_16', ...SMALL.slice(2), '--out', 'cmp');
    expect(unfit.code).toBe(1);
    expect(unfit.stderr).toMatch(/vit_b_16/);
    expect(listTree(home)).toEqual([]);
  });

  it('--resume names the run a foreign checkpoint belongs to instead of listing its keys', () => {
    const home = makeWorkdir();
    expect(runCli(home, 'train', ...SMALL, '--out', 'residual', '--quiet').code).toBe(0);
    expect(runCli(home, 'train', ...SMALL, '--model', 'mlp:plain', '--out', 'plain', '--quiet').code).toBe(0);
    rmSync(join(home, 'residual', 'checkpoints'), { recursive: true });
    cpSync(join(home, 'plain', 'checkpoints'), join(home, 'residual', 'checkpoints'), { recursive: true });
    const before = listTree(home);
    const r = runCli(home, 'train', '--resume', 'residual');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds a mlp:plain trained on mnist .* but .*config\.json is a mlp trained on mnist .*differ in model/);
    expect(r.stderr.length).toBeLessThan(600);
    expect(listTree(home)).toEqual(before);
    const missing = runCli(home, 'train', '--resume', 'nowhere');
    expect(missing.stderr).toMatch(/cannot read .*nowhere.*config\.json: no such file/);
  });
});

describe('the CLI does what its help says', () => {
  it('--quiet prints only the final result line', () => {
    const home = makeWorkdir();
    const r = runCli(home, 'train', ...SMALL, '--out', 'q', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^skipnet: mlp test accuracy \d+\.\d\d% {2}loss \d/);
  });

  it('--help shows the defaults each dataset really gets', () => {
    const help = runCli(makeWorkdir(), 'train', '--help').stdout;
    // "--batch-size N  … (default: 32 (mnist), 16 (mnist-seg, shapes), …)" → { mnist: '32', … }
    const shown = (flag: string): Record<string, string> => {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(flag))!;
      const groups = /\(default: (.*)\)$/.exec(line)![1]!;
      const out: Record<string, string> = {};
      for (const [, value, names] of groups.matchAll(/(\S+) \(([^()]*)\)/g)) for (const name of names!.split(', ')) out[name] = value!;
      return out;
    };
    const datasets = listDatasets();
    expect(datasets.length).toBeGreaterThan(4);
    const task = (name: string): string => datasets.find((d) => d.name === name)!.task;
    const batch = shown('--batch-size');
    const model = shown('--model');
    for (const { name } of datasets) {
      const defaults = defaultsForDataset(name, task);
      expect([name, batch[name]]).toEqual([name, String(defaults.batchSize)]);
      expect([name, model[name]]).toEqual([name, defaults.model]);
    }
    expect(batch.mnist).toBe('32');
    expect(model['shapes-det']).toBe('fcos_small');
    // …and a run uses them.
    const home = makeWorkdir();
    expect(runCli(home, 'train', '--model', 'mlp', '--train-size', '64', '--test-size', '32', '--epochs', '1', '--out', 'd', '--quiet').code).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'd', 'config.json'), 'utf8')).batchSize).toBe(32);
  });

  it("summary defaults to the model's own input and --json has one row per layer with its skip edges", () => {
    const r = runCli(makeWorkdir(), 'summary', '--model', 'resnet20', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.input).toEqual([1, 3, 32, 32]);
    expect(s.params).toBe(269722);
    expect(s.layers[0]).toEqual({ name: 'conv1', type: 'Conv2d', outputShape: [1, 16, 32, 32], params: 432, multiplyAdds: 442368, skipFrom: [] });
    const merges = s.layers.filter((l: { skipFrom: string[] }) => l.skipFrom.length > 0);
    expect(merges).toHaveLength(s.skipConnections);
    expect(merges[0]).toMatchObject({ name: 'layer1.0', skipFrom: ['relu'] });
    expect(s.layers.reduce((n: number, l: { multiplyAdds: number }) => n + l.multiplyAdds, 0)).toBe(s.multiplyAdds);
    const plain = JSON.parse(runCli(makeWorkdir(), 'summary', '--model', 'resnet20:plain', '--json').stdout);
    expect(plain.skipConnections).toBe(0);
  });

  it.each([['0'], ['abc'], ['2.5']])('predict --top %s is refused', (top) => {
    const home = makeWorkdir();
    writeFileSync(join(home, 'digit.png'), digitPng('light-on-dark'));
    const r = runCli(home, 'predict', '--checkpoint', 'x', '--input', 'digit.png', '--top', top);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--top: /);
  });

  it('predict says when a drawing is inverted for the dataset, and --invert fixes it', () => {
    const home = makeWorkdir();
    expect(runCli(home, 'train', ...SMALL, '--out', 'r', '--quiet').code).toBe(0);
    writeFileSync(join(home, 'drawn.png'), digitPng('dark-on-light'));
    writeFileSync(join(home, 'mnist-like.png'), digitPng('light-on-dark'));
    const drawn = runCli(home, 'predict', '--checkpoint', 'r', '--input', 'drawn.png');
    expect(drawn.code).toBe(0);
    expect(drawn.stderr).toMatch(/light background but mnist images have a dark background.*--invert/);
    const inverted = runCli(home, 'predict', '--checkpoint', 'r', '--input', 'drawn.png', '--invert', '--json');
    const natural = runCli(home, 'predict', '--checkpoint', 'r', '--input', 'mnist-like.png', '--json');
    expect(inverted.stderr).toBe('');
    expect(natural.stderr).toBe('');
    // Inverting the drawing gives exactly the MNIST-polarity image, so the same answer.
    expect(JSON.parse(inverted.stdout).top).toEqual(JSON.parse(natural.stdout).top);
  });
});

/** A 28×28 "1": a vertical bar, light on dark (as MNIST) or dark on light (as people draw). */
function digitPng(polarity: 'light-on-dark' | 'dark-on-light'): Buffer {
  const png = new PNG({ width: 28, height: 28 });
  const [bg, fg] = polarity === 'light-on-dark' ? [0, 255] : [255, 0];
  for (let i = 0; i < 28 * 28; i++) png.data.set([bg, bg, bg, 255], i * 4);
  for (let y = 4; y < 24; y++) for (const x of [13, 14]) png.data.set([fg, fg, fg, 255], (y * 28 + x) * 4);
  return PNG.sync.write(png);
}
