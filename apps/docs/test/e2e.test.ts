/**
 * End-to-end tests of the built site (run `pnpm --filter @skipnet/docs build` first; the
 * package's `test` script does). They start the preview server on a free port, drive Debian's
 * Chromium through playwright-core, and save screenshots under test-results/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from '../src/arch/architectures.js';
import { appDir, launchChromium, startPreview, type PreviewServer } from './browser.js';

const dist = path.join(appDir, '.vitepress', 'dist');
const shots = path.join(appDir, 'test-results', 'e2e');

/** Every page of the site except the API reference's member pages (its module indexes are in). */
function sitePages(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dist, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dist, r)).isDirectory()) {
        if (name !== 'assets') walk(r);
      } else if (name.endsWith('.html') && name !== '404.html') {
        if (r.startsWith('api/') && !r.endsWith('/index.html')) continue;
        out.push(r);
      }
    }
  };
  walk('');
  return out;
}

/** graph() of every architecture-page model, computed in a child process while the browser runs. */
function traceInChild(): Promise<Record<string, { skipEdges: number; nodes: number }>> {
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(tsx, ['--conditions=source', 'test/trace-skips.ts'], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`trace-skips exited ${code}:\n${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, { skipEdges: number; nodes: number }>);
    });
  });
}

interface Problems {
  errors: string[];
}

/** A page that records console errors, page errors and failed requests. */
async function openPage(browser: Browser): Promise<{ page: Page; problems: Problems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: Problems = { errors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { page, problems };
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

/** Skip edges drawn per diagram (`data-arch` → count), collected while the pages are visited. */
const drawn = new Map<string, number>();

async function collectDiagrams(page: Page, file: string): Promise<void> {
  const diagrams = await page.$$eval('.arch-diagram', (els) =>
    els.map((el) => ({ id: el.getAttribute('data-arch') ?? '', edges: el.querySelectorAll('[data-skip-edge]').length })),
  );
  for (const d of diagrams) drawn.set(d.id, d.edges);
  const first = page.locator('.arch-diagram').first();
  if (diagrams.length) await first.screenshot({ path: path.join(shots, `diagram-${file.replace(/\.html$/, '').replace(/\//g, '_')}.png`) });
}

let server: PreviewServer;
let browser: Browser;
let traced: Promise<Record<string, { skipEdges: number; nodes: number }>>;

beforeAll(async () => {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`no built site in ${dist}: run \`pnpm --filter @skipnet/docs build\` first`);
  mkdirSync(shots, { recursive: true });
  traced = traceInChild();
  traced.catch(() => {}); // awaited (and reported) by the diagram test
  [server, browser] = await Promise.all([startPreview(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the built site', () => {
  it('is served cross-origin isolated (the wasm backend can share memory)', async () => {
    const { page, problems } = await openPage(browser);
    const res = await page.goto(server.url, { waitUntil: 'load' });
    expect(res?.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(res?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('loads every page without a console error', async () => {
    const pages = sitePages();
    expect(pages.length).toBeGreaterThan(20);
    const { page, problems } = await openPage(browser);
    const failures: string[] = [];
    for (const p of pages) {
      problems.errors.length = 0;
      await page.goto(new URL(p, server.url).href, { waitUntil: 'load' });
      // Hydration and the demos' mount (which loads core, data and the cpu backend) finish after `load`.
      await page.waitForFunction(() => [...document.querySelectorAll('[data-demo]')].every((d) => d.getAttribute('data-state') !== 'loading'), undefined, {
        timeout: 60_000,
      });
      await page.waitForTimeout(100);
      const title = await page.title();
      if (!title || /404/.test(title)) failures.push(`${p}: title '${title}'`);
      if (problems.errors.length) failures.push(`${p}:\n  ${problems.errors.join('\n  ')}`);
      if (!p.startsWith('api/')) await page.screenshot({ path: path.join(shots, `page-${p.replace(/\.html$/, '').replace(/\//g, '_')}.png`) });
      if (p.startsWith('architectures/')) await collectDiagrams(page, p);
    }
    expect(failures).toEqual([]);
    await page.close();
  }, 300_000);

  it('draws as many skip edges in each architecture diagram as graph() of the model has', async () => {
    // The diagrams were read while every page was visited; read any that were not.
    if (drawn.size < architectures.length) {
      const { page } = await openPage(browser);
      for (const file of readdirSync(path.join(dist, 'architectures')).filter((f) => f.endsWith('.html'))) {
        await page.goto(new URL(`architectures/${file}`, server.url).href, { waitUntil: 'load' });
        await collectDiagrams(page, `architectures/${file}`);
      }
      await page.close();
    }
    const truth = await traced;
    // Every architecture is on a page, and every page's diagram matches its model.
    expect([...drawn.keys()].sort()).toEqual(architectures.map((a) => a.id).sort());
    for (const a of architectures) {
      expect(truth[a.id]!.skipEdges).toBeGreaterThan(0);
      expect({ id: a.id, edges: drawn.get(a.id) }).toEqual({ id: a.id, edges: truth[a.id]!.skipEdges });
    }
  });

  it('collapses and expands a diagram group', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(new URL('architectures/resnet.html', server.url).href, { waitUntil: 'load' });
    const fig = page.locator('.arch-diagram[data-arch="resnet18"]');
    const all = await fig.locator('[data-skip-edge]').count();
    await fig.locator('[data-group="layer1"]').click();
    // layer1's two blocks fold into one row: its inner skip disappears, the one entering it stays.
    await expect.poll(() => fig.locator('[data-skip-edge]').count()).toBe(all - 1);
    await fig.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => fig.locator('[data-skip-edge]').count()).toBe(all);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});

describe('the plain-vs-residual demo', () => {
  it('starts on cpu, moves to the fastest backend once the others are probed, trains both networks (losses fall) and cleans up when left', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(new URL('demos/plain-vs-residual.html', server.url).href, { waitUntil: 'load' });
    const demo = page.locator('[data-demo="plain-vs-residual"]');
    await page.locator('[data-control="start"]:not([disabled])').waitFor({ timeout: 60_000 });
    // The other backends are probed in the background; cpu is always offered, and the demo
    // (not started yet) moves to wasm where wasm works.
    await page.waitForSelector('[data-control="backend"][data-probed="true"]', { timeout: 60_000 });
    const available = (await page.getAttribute('[data-control="backend"]', 'data-available'))!.split(',');
    console.log(`backends that initialise in this Chromium: ${available.join(', ')}`);
    expect(available).toContain('cpu');
    const fastest = available.includes('wasm') ? 'wasm' : 'cpu';
    await expect.poll(() => demo.getAttribute('data-backend'), { timeout: 30_000 }).toBe(fastest);
    await page.locator('[data-control="start"]:not([disabled])').waitFor({ timeout: 60_000 });
    await page.click('[data-control="start"]');
    const steps = 60;
    await page.waitForFunction((n) => Number(document.querySelector('[data-demo="plain-vs-residual"]')?.getAttribute('data-steps')) >= n, steps, {
      timeout: 120_000,
    });
    await page.click('[data-control="pause"]');
    expect(await demo.getAttribute('data-backend')).toBe(fastest);
    await demo.screenshot({ path: path.join(shots, 'demo-plain-vs-residual.png') });
    const plain = JSON.parse((await demo.getAttribute('data-loss-plain'))!) as number[];
    const residual = JSON.parse((await demo.getAttribute('data-loss-residual'))!) as number[];
    expect(plain.length).toBeGreaterThanOrEqual(steps);
    expect(residual.length).toBe(plain.length);
    // Both curves fall: the last ten steps average below the first ten.
    expect(mean(residual.slice(-10))).toBeLessThan(mean(residual.slice(0, 10)));
    expect(mean(plain.slice(-10))).toBeLessThan(mean(plain.slice(0, 10)));
    // The skip switches reach the model: switching one off is reflected at once.
    await page.click('[data-skip-toggle="0"]');
    expect(await page.getAttribute('[data-skip-toggle="0"]', 'aria-pressed')).toBe('false');

    // Leave through the site's own navigation (the component unmounts): the loop stops and
    // every tensor the demo made is freed.
    await page.click('[data-control="start"]');
    await page.click('a[href="/guide/concepts.html"]');
    await page.waitForFunction(() => document.documentElement.dataset.skipnetLiveTensors !== undefined, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.dataset.skipnetLiveTensors)).toBe('0');
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});

describe('the detection demo', () => {
  interface Shown {
    label: number;
    score: number;
    box: number[];
  }
  const iou = (a: number[], b: number[]): number => {
    const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
    const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
    if (iw <= 0 || ih <= 0) return 0;
    const area = (x: number[]): number => (x[2]! - x[0]!) * (x[3]! - x[1]!);
    return (iw * ih) / (area(a) + area(b) - iw * ih);
  };
  /** Ground-truth objects with a detection of their class at IoU ≥ 0.5. */
  const foundObjects = (truth: { boxes: number[]; labels: number[] }, found: Shown[]): number =>
    truth.labels.filter((label, g) => found.some((d) => d.label === label && iou(d.box, truth.boxes.slice(4 * g, 4 * g + 4)) >= 0.5)).length;
  /** Canvas pixels within a few levels of an RGB colour. */
  const pixelsOf = (page: Page, rgb: [number, number, number]): Promise<number> =>
    page.evaluate((c) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-canvas="scene"]')!;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - c[0]) + Math.abs(d[i + 1]! - c[1]) + Math.abs(d[i + 2]! - c[2]) < 12) n++;
      return n;
    }, rgb);

  it('detects with the bundled checkpoint on a generated and a drawn scene, on the fastest backend, and the lateral-skip switch loses objects', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(new URL('demos/detection.html', server.url).href, { waitUntil: 'load' });
    const demo = page.locator('[data-demo="detection"]');
    const attr = async (name: string): Promise<string> => (await demo.getAttribute(name))!;
    const runs = async (): Promise<number> => Number(await attr('data-runs'));
    const settled = async (): Promise<void> => {
      await page.waitForFunction(() => document.querySelector('[data-demo="detection"]')?.getAttribute('data-state') === 'idle', undefined, {
        timeout: 60_000,
      });
    };
    // The first detection runs on cpu; once wasm is found to work the demo moves there and detects again.
    await page.waitForSelector('[data-control="backend"][data-probed="true"]', { timeout: 60_000 });
    const available = (await page.getAttribute('[data-control="backend"]', 'data-available'))!.split(',');
    const fastest = available.includes('wasm') ? 'wasm' : 'cpu';
    await expect.poll(() => attr('data-backend'), { timeout: 30_000 }).toBe(fastest);
    await settled();
    await expect.poll(runs, { timeout: 60_000 }).toBeGreaterThanOrEqual(fastest === 'cpu' ? 1 : 2);

    // The initial test scene: boxes drawn in the class colours, matching the ground truth.
    const truth = JSON.parse(await attr('data-truth')) as { boxes: number[]; labels: number[] };
    const on = JSON.parse(await attr('data-detections-on')) as Shown[];
    const off = JSON.parse(await attr('data-detections-off')) as Shown[];
    console.log(
      `detection demo, ${await attr('data-scene')}: ${truth.labels.length} objects; found ${foundObjects(truth, on)} with the lateral skips, ${foundObjects(truth, off)} without`,
    );
    expect(truth.labels.length).toBeGreaterThan(0);
    expect(on.length).toBeGreaterThan(0);
    expect(on.every((d) => d.score >= 0.4 && d.box.length === 4)).toBe(true);
    expect(foundObjects(truth, on)).toBeGreaterThanOrEqual(Math.ceil(0.75 * truth.labels.length));
    const classPixels = (): Promise<number[]> =>
      Promise.all(
        (
          [
            [239, 131, 84],
            [92, 124, 250],
            [82, 196, 140],
          ] as [number, number, number][]
        ).map((c) => pixelsOf(page, c)),
      );
    const drawnOn = await classPixels();
    for (const label of new Set(on.map((d) => d.label))) expect(drawnOn[label]).toBeGreaterThan(20);
    expect(await pixelsOf(page, [255, 59, 59])).toBe(0);
    await demo.screenshot({ path: path.join(shots, 'demo-detection-on.png') });

    // Lateral skips off: the same weights find fewer objects, and the lost boxes are outlined in red.
    await page.click('[data-control="lateral-skips"]');
    expect(await attr('data-lateral')).toBe('off');
    expect(foundObjects(truth, off)).toBeLessThan(foundObjects(truth, on));
    expect(Number(await attr('data-lost'))).toBeGreaterThan(0);
    await expect.poll(() => pixelsOf(page, [255, 59, 59])).toBeGreaterThan(50);
    await demo.screenshot({ path: path.join(shots, 'demo-detection-off.png') });
    await page.click('[data-control="lateral-skips"]');

    // A new generated scene: other ground truth, detected again.
    const before = await runs();
    await page.click('[data-control="new-scene"]');
    await expect.poll(runs, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(await attr('data-truth')).not.toBe(JSON.stringify(truth));

    // A drawn scene: a blank background and one large circle dragged from its centre.
    await page.click('[data-control="blank"]');
    await page.click('[data-tool="circle"]');
    const box = (await page.locator('[data-canvas="scene"]').boundingBox())!;
    const at = (x: number, y: number): [number, number] => [box.x + (x / 128) * box.width, box.y + (y / 128) * box.height];
    const drawn = await runs();
    await page.mouse.move(...at(64, 60));
    await page.mouse.down();
    await page.mouse.move(...at(76, 60), { steps: 4 });
    await page.mouse.move(...at(84, 60), { steps: 4 });
    await page.mouse.up();
    await expect.poll(runs, { timeout: 30_000 }).toBeGreaterThan(drawn);
    await expect.poll(async () => (JSON.parse(await attr('data-truth')) as { labels: number[] }).labels).toEqual([0]);
    await expect.poll(async () => foundObjects(JSON.parse(await attr('data-truth')), JSON.parse(await attr('data-detections-on')) as Shown[])).toBe(1);
    const circle = (JSON.parse(await attr('data-truth')) as { boxes: number[] }).boxes;
    // A circle of radius 20 about (64, 60): pixel centres within 20 px, so a 40×40 box less a pixel or so.
    expect(circle[2]! - circle[0]!).toBeGreaterThanOrEqual(38);
    expect(circle[2]! - circle[0]!).toBeLessThanOrEqual(40);
    await demo.screenshot({ path: path.join(shots, 'demo-detection-drawn.png') });
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('is on the FPN-for-detection page, whose diagram draws the three lateral skips as arcs into the top-down merges', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(new URL('architectures/fpn-detection.html', server.url).href, { waitUntil: 'load' });
    const fig = page.locator('.arch-diagram[data-arch="fcos_small"]');
    const titles = await fig.locator('[data-skip-edge] title').allTextContents();
    expect(titles).toHaveLength(11); // 8 residual skips of the ResNet-18, 3 lateral skips
    const lateral = titles.filter((t) => / → backbone\.fpn\.top_down\.\d$/.test(t));
    expect(lateral.map((t) => t.replace(/^.* → /, '')).sort()).toEqual(['backbone.fpn.top_down.0', 'backbone.fpn.top_down.1', 'backbone.fpn.top_down.2']);
    // Each starts at the end of a backbone stage (C2–C4).
    expect(lateral.every((t) => /: backbone\.body\.layer[123]\.1\.\S+ → /.test(t))).toBe(true);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
