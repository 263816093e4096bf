/**
 * Screenshots of built pages for a quick look: `tsx scripts/shoot.ts /guide/concepts.html …`
 * writes test-results/shots/<page>.png (full page; `--viewport` for the first screen only,
 * `--from=Y --height=H` for a band). Build the site first.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { appDir, launchChromium, startPreview } from '../test/browser.js';

const pages = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const wait = Number(process.argv.find((a) => a.startsWith('--wait='))?.slice(7) ?? 500);
const width = Number(process.argv.find((a) => a.startsWith('--width='))?.slice(8) ?? 1280);
// `--from=Y --height=H`: only that band of the full page.
const from = process.argv.find((a) => a.startsWith('--from='))?.slice(7);
const bandHeight = Number(process.argv.find((a) => a.startsWith('--height='))?.slice(9) ?? 1400);
const outDir = path.join(appDir, 'test-results', 'shots');
mkdirSync(outDir, { recursive: true });
const server = await startPreview();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  for (const p of pages) {
    await page.goto(new URL(p.replace(/^\//, ''), server.url).href, { waitUntil: 'networkidle' });
    await page.waitForTimeout(wait);
    const file = path.join(
      outDir,
      `${
        p
          .replace(/^\//, '')
          .replace(/\.html$/, '')
          .replace(/[/#?]/g, '_') || 'index'
      }.png`,
    );
    if (from !== undefined) await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: Number(from), width, height: bandHeight } });
    else await page.screenshot({ path: file, fullPage: !process.argv.includes('--viewport') });
    console.log(file);
  }
} finally {
  await browser.close();
  await server.stop();
}
