/**
 * End-to-end: the built `skipnet` command run as a user would, on small budgets, checking exit
 * codes, messages and the run directory it writes.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderShapesDetScene } from '@skipnet/data';
import { cliMain as main, jsonl, makeWorkdir, runCli, startCli } from './test/harness.js';

const tmp = makeWorkdir();
const skipnet = (...args: string[]) => runCli(tmp, ...args);

beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: build the CLI first (pnpm build)`);
});

describe('help and listing', () => {
  it('every command has --help', () => {
    const top = skipnet('--help');
    expect(top.code).toBe(0);
    for (const cmd of ['train', 'eval', 'predict', 'summary', 'compare', 'list']) {
      expect(top.stdout).toContain(cmd);
      const r = skipnet(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(/Usage: skipnet/);
    }
    expect(skipnet('train', '--help').stdout).toContain('--resume DIR');
  });
  it('lists models, datasets and backends', () => {
    expect(skipnet('list', 'models').stdout).toMatch(/^resnet20 .*\n/m);
    expect(skipnet('list', 'datasets').stdout).toMatch(/^names +language/m);
    expect(JSON.parse(skipnet('list', 'backends', '--json').stdout).map((b: { name: string }) => b.name)).toContain('cpu');
  });
});

describe('bad input gets a clear message and a non-zero exit', () => {
  it.each([
    [['train', '--model', 'resnet21'], /unknown model 'resnet21' \(did you mean 'resnet20'\?\); valid: .*resnet20/, 2],
    [['train', '--dataset', 'cifar11'], /unknown dataset 'cifar11'; valid: mnist, mnist-seg, names, names-mlm, names-scrambled, number-words, shapes/, 2],
    [['train', '--dataset', 'mnsit'], /unknown dataset 'mnsit' \(did you mean 'mnist'\?\)/, 2],
    [['train', '--backend', 'tpu'], /unknown backend 'tpu'( \(did you mean 'cpu'\?\))?; valid: .*cpu/, 2],
    [['train', '--epochs', 'three'], /--epochs: 'three' is not a number/, 2],
    [['train', '--lr=-1'], /--lr: -1 must be > 0/, 2],
    [['train', '--lr', '-1'], /Option '--lr' argument is ambiguous/, 2],
    [['train', '--batch-size', '2.5'], /--batch-size: '2.5' must be a whole number/, 2],
    [['train', '--frobnicate'], /unknown option '--frobnicate'/, 2],
    [['train', '--model', 'gpt', '--dataset', 'mnist', '--train-size', '8'], /model 'gpt' cannot take dataset 'mnist'|cannot build model 'gpt'/, 1],
    [['eval', '--checkpoint', 'does/not/exist'], /does not exist/, 1],
    [['summary', '--model', 'resnet18', '--input', '3xbanana'], /not a shape like 3x32x32/, 2],
    [['list', 'widgets'], /list: say what to list: models, datasets, backends/, 2],
    [['frobnicate'], /unknown command 'frobnicate'/, 2],
  ])('%j', (args, message, code) => {
    const r = skipnet(...(args as string[]));
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.code).toBe(code);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
  it('a model that cannot take an input size fails before compute, naming the expected shape', () => {
    // A ViT built for 32×32 inputs (patch 16) is given a 1-channel image.
    const r = skipnet('train', '--model', 'vit_b_16', '--dataset', 'mnist', '--train-size', '8');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot (take|build)/);
    const s = skipnet('summary', '--model', 'resnet20', '--input', '3x32x32', '--classes', '0');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--classes: 0 must be ≥ 1/);
  });
  it('a corrupt checkpoint names the file and the problem', () => {
    const dir = join(tmp, 'corrupt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), '{"format": "skipnet-train-checkpoint", "version": 1');
    writeFileSync(join(dir, 'model.safetensors'), new Uint8Array([1, 2, 3]));
    writeFileSync(join(dir, 'optimizer.safetensors'), new Uint8Array([1, 2, 3]));
    const r = skipnet('eval', '--checkpoint', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/corrupt[/\\](state\.json|model\.safetensors)/);
  });
});

describe('summary', () => {
  it('prints the CIFAR ResNet-20 as JSON', () => {
    const r = skipnet('summary', '--model', 'resnet20', '--input', '3x32x32', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ model: 'resnet20', params: 269722, skipConnections: 9, outputShape: [1, 10] });
    const plain = JSON.parse(skipnet('summary', '--model', 'plain20', '--input', '3x32x32', '--json').stdout);
    expect(plain.skipConnections).toBe(0);
  });
  it('prints a table', () => {
    const r = skipnet('summary', '--model', 'resnet20', '--input', '1x28x28');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/layer1\.0\.conv1/);
  });
});

describe('training end to end', () => {
  const run = join(tmp, 'run-mlp');
  const common = [
    '--dataset',
    'mnist',
    '--model',
    'mlp',
    '--model-options',
    '{"depth":4,"width":64}',
    '--train-size',
    '512',
    '--test-size',
    '256',
    '--batch-size',
    '64',
    '--seed',
    '3',
  ];

  it('trains, writes the run directory, and refuses to clobber it', () => {
    const r = skipnet('train', ...common, '--epochs', '2', '--out', run);
    expect(r.stderr + r.stdout).toMatch(/test accuracy/);
    expect(r.code).toBe(0);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'report.html',
      'results.json',
      'checkpoints/last/state.json',
      'checkpoints/last/model.safetensors',
      'checkpoints/best/state.json',
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const lines = jsonl(join(run, 'metrics.jsonl'));
    const epochs = lines.filter((l) => l.kind === 'epoch');
    expect(epochs.map((l) => `${l.epoch}:${l.split}`)).toEqual(['0:train', '0:val', '1:train', '1:val']);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['epoch', 'step', 'split', 'loss', 'metrics', 'lr', 'imagesPerSec']));
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8'));
    expect(results.test.metrics.accuracy).toBeGreaterThan(0.5);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg[^>]*aria-label="training loss"/);
    expect(html).toMatch(/gradient norm per layer/);
    const again = skipnet('train', ...common, '--epochs', '3', '--out', run);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a different run; use --resume/);
  });

  it('eval reproduces the test metrics of the run', () => {
    const r = skipnet('eval', '--checkpoint', run, '--json');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.samples).toBe(2000);
    expect(e.metrics.accuracy).toBeGreaterThan(0.5);
  });

  it('predict classifies an image file', () => {
    const png = new PNG({ width: 28, height: 28 });
    png.data.fill(0);
    for (let y = 4; y < 24; y++) for (const x of [13, 14]) png.data.set([255, 255, 255, 255], (y * 28 + x) * 4); // a "1"
    for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
    const file = join(tmp, 'one.png');
    writeFileSync(file, PNG.sync.write(png));
    const r = skipnet('predict', '--checkpoint', run, '--input', file, '--json');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.top).toHaveLength(5);
    expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
  });

  it('--resume continues exactly where an interrupted run stopped', () => {
    const whole = join(tmp, 'whole');
    const split = join(tmp, 'split');
    expect(skipnet('train', ...common, '--epochs', '2', '--out', whole).code).toBe(0);
    // Stopped mid-epoch (step 11 of 16), then resumed with the saved settings.
    const first = skipnet('train', ...common, '--epochs', '2', '--max-steps', '11', '--out', split);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonl(join(split, 'metrics.jsonl')).filter((l) => l.kind === 'step').length).toBe(11);
    expect(skipnet('train', '--resume', split, '--epochs', '3').stderr).toMatch(/saved settings .* drop --epochs/);
    const r = skipnet('train', '--resume', split);
    expect(r.code, r.stderr).toBe(0);
    const losses = (dir: string) => jsonl(join(dir, 'metrics.jsonl')).map((l) => `${l.kind}:${l.split}:${l.step}:${l.loss}`);
    expect(losses(split)).toEqual(losses(whole));
  });

  it('Ctrl-C saves a checkpoint and exits cleanly', async () => {
    const dir = join(tmp, 'interrupted');
    const child = startCli(tmp, 'train', ...common, '--epochs', '50', '--out', dir);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/step \d+\/\d+/.test(err) && !child.killed) child.kill('SIGINT');
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(err).toMatch(/interrupted — saving a checkpoint/);
    expect(code).toBe(130);
    expect(out).toMatch(/continue with: skipnet train --resume /);
    expect(existsSync(join(dir, 'checkpoints', 'last', 'state.json'))).toBe(true);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.stopReason).toBe('interrupted');
    // The saved step is where training continues.
    const saved = JSON.parse(readFileSync(join(dir, 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(saved.globalStep).toBe(results.steps);
    expect(saved.globalStep).toBeGreaterThan(0);
  });

  it('segmentation (U-Net on shapes) and the character GPT on names run end to end', () => {
    const seg = skipnet(
      'train',
      '--model',
      'unet',
      '--dataset',
      'shapes',
      '--model-options',
      '{"baseWidth":4}',
      '--train-size',
      '32',
      '--test-size',
      '16',
      '--batch-size',
      '16',
      '--epochs',
      '1',
      '--out',
      join(tmp, 'seg'),
    );
    expect(seg.code, seg.stderr).toBe(0);
    expect(seg.stderr).toMatch(/meanIoU/);
    const gpt = skipnet(
      'train',
      '--model',
      'gpt',
      '--dataset',
      'names',
      '--model-options',
      '{"nLayer":1,"nHead":2,"nEmbd":16}',
      '--train-size',
      '256',
      '--test-size',
      '64',
      '--batch-size',
      '32',
      '--epochs',
      '1',
      '--out',
      join(tmp, 'gpt'),
    );
    expect(gpt.code, gpt.stderr).toBe(0);
    expect(gpt.stderr).toMatch(/sampled names: \w+/);
  });

  it('--train-size makes a generated dataset that many scenes and subsets a fixed one', () => {
    const common = ['--test-size', '16', '--batch-size', '16', '--max-steps', '1', '--epochs', '1'];
    const seg = skipnet(
      'train',
      '--model',
      'unet',
      '--dataset',
      'shapes',
      '--model-options',
      '{"baseWidth":4}',
      '--train-size',
      '1040',
      ...common,
      '--out',
      join(tmp, 'seg-more'),
    );
    expect(seg.code, seg.stderr).toBe(0);
    expect(seg.stderr).toMatch(/on shapes \(1040 train \/ 16 test\)/);
    // MNIST has 8,000 training digits: asking for more uses them all.
    const fixed = skipnet('train', '--model', 'mlp', '--dataset', 'mnist', '--train-size', '9000', ...common, '--out', join(tmp, 'mnist-more'));
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/on mnist \(8000 train \/ 16 test\)/);
  });

  it('compare trains plain and residual twins with the same budget into one report', () => {
    const dir = join(tmp, 'cmp');
    const r = skipnet(
      'compare',
      '--models',
      'mlp,mlp:plain',
      '--dataset',
      'mnist',
      '--model-options',
      '{"depth":6,"width":32}',
      '--train-size',
      '256',
      '--test-size',
      '128',
      '--epochs',
      '1',
      '--out',
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const cmp = JSON.parse(readFileSync(join(dir, 'comparison.json'), 'utf8'));
    expect(cmp.runs.map((x: { model: string }) => x.model)).toEqual(['mlp', 'mlp:plain']);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/>gradient norm per layer — /g)).toHaveLength(2);
  });
});

describe('detection (fcos_small on shapes-det)', () => {
  const dir = join(tmp, 'det');
  const scene = join(tmp, 'scene.png');

  beforeAll(() => {
    // A test scene as a user's PNG: the CLI decodes it like any image.
    const { sample } = renderShapesDetScene(3, { split: 'test' });
    const [, h, w] = sample.xShape as [number, number, number];
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < h * w; i++) png.data.set([0, 1, 2].map((k) => Math.round(255 * sample.x[k * h * w + i]!)).concat(255), i * 4);
    writeFileSync(scene, PNG.sync.write(png));
  });

  it('trains, reports AP by object size, and shows ground truth beside predictions in the report', () => {
    const r = skipnet(
      'train',
      '--model',
      'fcos_small',
      '--dataset',
      'shapes-det',
      '--train-size',
      '16',
      '--test-size',
      '8',
      '--batch-size',
      '8',
      '--epochs',
      '1',
      '--out',
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/val +loss [\d.]+ +AP [\d.]+ +AP50 [\d.]+ +AP75 [\d.]+ +APsmall [\d.]+ +APmedium [\d.]+ +APlarge [\d.]+/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    for (const k of ['AP', 'AP50', 'AP75', 'APsmall', 'APmedium', 'APlarge']) {
      expect(results.test.metrics[k], k).toBeGreaterThanOrEqual(0);
      expect(results.test.metrics[k], k).toBeLessThanOrEqual(1);
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Sample predictions — fcos_small');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(12);
    expect(html).toMatch(/test image 0: ground truth \(\d+\)/);
  });

  it('eval prints the COCO table and AP per class', () => {
    const r = skipnet('eval', '--checkpoint', dir, '--batch-size', '8');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = [-\d.]+/);
    expect(r.stdout).toMatch(/area= small/);
    for (const name of ['circle', 'square', 'triangle']) expect(r.stdout).toContain(name);
    const json = JSON.parse(skipnet('eval', '--checkpoint', dir, '--json').stdout);
    expect(json.samples).toBe(200);
    expect(json.detection.perClass.map((c: { name: string }) => c.name)).toEqual(['circle', 'square', 'triangle']);
    expect(json.detection.areaRanges.small[1]).toBeCloseTo((128 / 12) ** 2, 6);
  });

  it('predict prints the detections and draws them, never over an existing file', () => {
    const r = skipnet('predict', '--checkpoint', dir, '--input', scene, '--min-score', '0', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.image).toBe(`${scene}.boxes.png`);
    expect(out.detections.length).toBeGreaterThan(0);
    for (const d of out.detections) {
      expect(['circle', 'square', 'triangle']).toContain(d.name);
      expect(d.box[0]).toBeLessThanOrEqual(d.box[2]);
      expect(d.box[2]).toBeLessThanOrEqual(128);
    }
    const drawn = PNG.sync.read(readFileSync(`${scene}.boxes.png`));
    expect([drawn.width, drawn.height]).toEqual([512, 512]);
    const before = readFileSync(`${scene}.boxes.png`);
    const again = skipnet('predict', '--checkpoint', dir, '--input', scene);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/scene\.png\.boxes\.png already exists; skipnet does not overwrite files/);
    expect(readFileSync(`${scene}.boxes.png`).equals(before)).toBe(true);
  });

  it('a detector needs detection data, and detection data a detector', () => {
    const a = skipnet('train', '--model', 'resnet20', '--dataset', 'shapes-det', '--train-size', '8', '--out', join(tmp, 'det-bad-a'));
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/model 'resnet20' is not a detector, but dataset 'shapes-det' is for detection; detectors: .*fcos_small/);
    const b = skipnet('train', '--model', 'fcos_small', '--dataset', 'mnist', '--train-size', '8', '--out', join(tmp, 'det-bad-b'));
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/model 'fcos_small' is a detector, but dataset 'mnist' is for classification/);
    expect(existsSync(join(tmp, 'det-bad-a'))).toBe(false);
    expect(existsSync(join(tmp, 'det-bad-b'))).toBe(false);
  });

  it('compare reports AP by size for the detector and its plain twin', () => {
    const cmp = join(tmp, 'det-cmp');
    const r = skipnet(
      'compare',
      '--models',
      'fcos_small,fcos_small:plain',
      '--dataset',
      'shapes-det',
      '--train-size',
      '8',
      '--test-size',
      '4',
      '--batch-size',
      '4',
      '--epochs',
      '1',
      '--out',
      cmp,
    );
    expect(r.code, r.stderr).toBe(0);
    // One summary row per model, each with AP by object size.
    expect(r.stdout.match(/^fcos_small(:plain)? +final train loss .* APsmall [\d.]+ +APmedium [\d.]+ +APlarge [\d.]+$/gm)).toHaveLength(2);
    const runs = JSON.parse(readFileSync(join(cmp, 'comparison.json'), 'utf8')).runs as Record<string, unknown>[];
    expect(runs.map((x) => x.model)).toEqual(['fcos_small', 'fcos_small:plain']);
    for (const x of runs) expect(typeof x.APsmall).toBe('number');
  });
});

describe('translation (transformer_seq2seq_small on number-words)', () => {
  const dir = join(tmp, 's2s');
  const tiny = ['--model-options', '{"dModel":16,"nhead":2,"dimFeedforward":32}'];

  it('trains with teacher forcing and reports exact match of greedy decoding', () => {
    const r = skipnet(
      'train',
      '--dataset',
      'number-words',
      '--train-size',
      '128',
      '--test-size',
      '16',
      '--batch-size',
      '32',
      '--epochs',
      '1',
      ...tiny,
      '--out',
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training transformer_seq2seq_small .* on number-words \(128 train \/ 16 test\)/);
    expect(r.stderr).toMatch(/val +loss [\d.]+ +accuracy [\d.]+ +exactMatch [\d.]+/);
    expect(r.stdout + r.stderr).toMatch(/test accuracy [\d.]+% +exactMatch [\d.]+%/);
    expect(r.stderr).toMatch(/test translations \(greedy\):\n +\d+ → /);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.test.samples).toBe(16);
    expect(results.test.metrics.exactMatch).toBeGreaterThanOrEqual(0);
    expect(results.test.metrics.exactMatch).toBeLessThanOrEqual(1);
  });

  it('eval prints the exact match; predict translates a number and refuses what is not one', () => {
    const e = skipnet('eval', '--checkpoint', dir, '--json');
    expect(e.code, e.stderr).toBe(0);
    const json = JSON.parse(e.stdout);
    expect(json.samples).toBe(1000);
    expect(json.metrics.exactMatch).toBeGreaterThanOrEqual(0);
    expect(skipnet('eval', '--checkpoint', dir).stdout).toMatch(/on number-words \(1000 test samples\): loss [\d.]+ +accuracy [\d.]+ +exactMatch [\d.]+/);
    const p = skipnet('predict', '--checkpoint', dir, '--input', '4071', '--json');
    expect(p.code, p.stderr).toBe(0);
    const out = JSON.parse(p.stdout);
    expect(out.input).toBe('4071');
    // An untrained-sized model says something in the target words (not necessarily right).
    expect(out.translation).toMatch(/^[a-z ]*$/);
    const beam = skipnet('predict', '--checkpoint', dir, '--input', '4071', '--beam', '3');
    expect(beam.code, beam.stderr).toBe(0);
    const bad = skipnet('predict', '--checkpoint', dir, '--input', 'four thousand');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--input: number-words: "four thousand" is not a number written in digits \(0 to 999999\)/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(skipnet('predict', '--checkpoint', dir, '--input', '1234567').stderr).toMatch(/1234567 is larger than 999999/);
  });

  it('translation data needs an encoder–decoder, and the encoder–decoder translation data', () => {
    const a = skipnet('train', '--model', 'gpt', '--dataset', 'number-words', '--train-size', '8', '--out', join(tmp, 's2s-bad-a'));
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/model 'gpt' is not an encoder–decoder, but dataset 'number-words' is for translation; try transformer_seq2seq_small/);
    const b = skipnet('train', '--model', 'transformer_seq2seq_small', '--dataset', 'names', '--train-size', '8', '--out', join(tmp, 's2s-bad-b'));
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/model 'transformer_seq2seq_small' is an encoder–decoder for translation, but dataset 'names' is for language/);
  });
});

describe('BERT (bert_mlm on names-mlm, then bert_cls on names-scrambled with --init)', () => {
  const mlm = join(tmp, 'bert-mlm');
  const tiny = ['--model-options', '{"hiddenSize":16,"numHiddenLayers":2,"numAttentionHeads":2,"intermediateSize":32}'];
  const quick = ['--train-size', '128', '--test-size', '32', '--batch-size', '32', '--epochs', '1'];

  it('pre-trains with masked-LM and reports masked-token accuracy in the log, results.json and eval', () => {
    const r = skipnet('train', '--dataset', 'names-mlm', ...quick, ...tiny, '--out', mlm);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training bert_mlm .* on names-mlm \(128 train \/ 32 test\)/);
    expect(r.stderr).toMatch(/val +loss [\d.]+ +maskedTokenAccuracy [\d.]+/);
    expect(r.stdout + r.stderr).toMatch(/test maskedTokenAccuracy [\d.]+%/);
    const results = JSON.parse(readFileSync(join(mlm, 'results.json'), 'utf8'));
    expect(results.test.metrics.maskedTokenAccuracy).toBeGreaterThanOrEqual(0);
    expect(results.test.metrics.maskedTokenAccuracy).toBeLessThanOrEqual(1);
    const e = skipnet('eval', '--checkpoint', mlm, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).metrics.maskedTokenAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('fine-tunes bert_cls from the pre-trained encoder: the MLM head is left out, pooler and classifier start fresh', () => {
    const out = join(tmp, 'bert-cls');
    const r = skipnet('train', '--dataset', 'names-scrambled', ...quick, ...tiny, '--init', mlm, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/initialised \d+ tensors from a bert_mlm trained on names-mlm .*; fresh: bert\.pooler, classifier; left out: cls/);
    expect(r.stderr).toMatch(/training bert_cls .* on names-scrambled/);
    expect(r.stdout + r.stderr).toMatch(/test accuracy [\d.]+%/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).init).toBe(mlm);
  });

  it('--init of another kind of model, or of another size, fails naming what does not fit', () => {
    const gpt = join(tmp, 'bert-init-gpt');
    const g = skipnet(
      'train',
      '--dataset',
      'names',
      '--model-options',
      '{"nLayer":1,"nHead":1,"nEmbd":8}',
      '--train-size',
      '32',
      '--epochs',
      '1',
      '--out',
      gpt,
    );
    expect(g.code, g.stderr).toBe(0);
    const a = skipnet('train', '--dataset', 'names-scrambled', ...quick, ...tiny, '--init', gpt, '--out', join(tmp, 'bert-bad-a'));
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/--init: .* holds a gpt trained on names .*, which shares no weights with 'bert_cls'/);
    expect(a.stderr).not.toMatch(/\n\s+at /);
    const b = skipnet(
      'train',
      '--dataset',
      'names-scrambled',
      ...quick,
      '--model-options',
      '{"hiddenSize":16,"numHiddenLayers":3,"numAttentionHeads":2,"intermediateSize":32}',
      '--init',
      mlm,
      '--out',
      join(tmp, 'bert-bad-b'),
    );
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(
      /--init: .* does not fit 'bert_cls': \d+ tensor\(s\) do not match \(bert\.encoder\.layer\.2\.[\w.]+ is missing from the checkpoint/,
    );
    expect(existsSync(join(tmp, 'bert-bad-b'))).toBe(false);
  });
});
