/**
 * Looks at one element of a built page: `tsx scripts/look.ts <page> <selector> <out.png> [click-selector] [wait-ms]`
 * screenshots it (after clicking, e.g. a demo's Train button, and waiting) and prints its attributes.
 */
import { launchChromium, startPreview } from '../test/browser.js';
const [page0, selector, out, clickSel, waitMs] = process.argv.slice(2);
const server = await startPreview();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[${m.type()}] ${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`[${r.status()}] ${r.url()}`);
  });
  await page.goto(new URL(page0!.replace(/^\//, ''), server.url).href, { waitUntil: 'networkidle' });
  if (clickSel) {
    await page.waitForSelector(`${clickSel}:not([disabled])`, { timeout: 60000 });
    await page.click(clickSel);
  }
  await page.waitForTimeout(Number(waitMs ?? 500));
  const el = await page.$(selector!);
  await (el ?? page).screenshot({ path: out! });
  const info = await page.evaluate((sel) => {
    const e = document.querySelector(sel);
    return e ? Object.fromEntries([...e.attributes].map((a) => [a.name, a.value.slice(0, 300)])) : null;
  }, selector!);
  console.log(JSON.stringify(info));
} finally {
  await browser.close();
  await server.stop();
}
