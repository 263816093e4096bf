/**
 * Shared by the end-to-end tests and scripts/shoot.ts: start the preview server of the
 * built site on a free port, and launch Debian's Chromium through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Chromium flags for headless runs on CI machines, with WebGL in software (SwiftShader). */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs, headless: true });
}

export interface PreviewServer {
  url: string;
  stop(): Promise<void>;
}

/** Runs `scripts/preview.ts --port 0` (VitePress's preview server plus isolation headers). */
export function startPreview(): Promise<PreviewServer> {
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const child: ChildProcess = spawn(tsx, ['scripts/preview.ts', '--port', '0'], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`preview server did not start in 30 s:\n${out}`)), 30_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(e);
    };
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /skipnet docs preview: (http:\/\/localhost:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`preview server exited (${code}):\n${out}`)));
  });
}
