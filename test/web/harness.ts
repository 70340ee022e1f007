/**
 * What the browser tests share: a fresh build of the web app in a temp directory (one per test process),
 * the service serving it on a free loopback port over a fresh database of the dialect, and Debian's
 * Chromium driven by playwright-core with the flags ../shared/STACK.md lists. Playwright gives every launch
 * a fresh, temporary user data dir.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import type { Dialect } from '../../src/db/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { createEnv, type TestEnv } from '../helper.js';

export const CHROMIUM = '/usr/bin/chromium';
const CI = process.env.CI === 'true' || process.env.CI === '1';

/** A skip reason when Chromium is missing outside CI; under CI a missing browser is a failure. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (CI) throw new Error(`CI=true but ${CHROMIUM} is missing (apt-get install chromium)`);
  const reason = `${CHROMIUM} not found: the browser tests are SKIPPED (apt-get install chromium, or set CI=true to require it)`;
  console.warn(`# ${reason}`);
  return reason;
}

export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface WebEnv {
  env: TestEnv;
  base: string;
  webDir: string;
  browser: Browser;
  close(): Promise<void>;
}

let built: Promise<string> | undefined;
/** The web app built once per test process, removed when the process ends. */
function buildWeb(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kswifi-web-e2e-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await build({
      configFile: 'web/vite.config.ts',
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true },
    });
    return dir;
  })();
  return built;
}

/** A loopback port nobody listens on now (for settings that must name the app's address before it starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (!address || typeof address === 'string') throw new Error('no address');
  return address.port;
}

/**
 * The service with the web app on loopback, and a Chromium (or `browser`, shared and not closed here).
 * `settings` gets the app's address, for settings that name it (return URLs, mail links).
 */
export async function startWeb(
  dialect: Dialect,
  settings: (base: string) => Record<string, string> = () => ({}),
  shared?: Browser,
): Promise<WebEnv> {
  const webDir = await buildWeb();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = await createEnv(dialect, { WEB_DIR: webDir, ...settings(base) }, { clock: systemClock });
  await env.app.listen({ host: '127.0.0.1', port });
  const browser =
    shared ?? (await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS }));
  return {
    env,
    base,
    webDir,
    browser,
    async close() {
      if (!shared) await browser.close().catch(() => undefined);
      await env.close();
    },
  };
}

/** The JavaScript the first page load needs (the entry and what it preloads), gzipped, in bytes. */
export function initialJsGzipBytes(webDir: string): { files: string[]; bytes: number; allJsBytes: number } {
  const html = readFileSync(join(webDir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const gz = (f: string) => gzipSync(readFileSync(join(webDir, f)), { level: 9 }).length;
  const all = readdirSync(join(webDir, 'assets')).filter((f) => f.endsWith('.js'));
  return {
    files,
    bytes: files.reduce((n, f) => n + gz(f), 0),
    allJsBytes: all.reduce((n, f) => n + gz(join('assets', f)), 0),
  };
}

/** Console errors and uncaught exceptions of a page, collected from now on. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: uncaught ${e.message}`));
  return errors;
}

export interface AxeSummary {
  page: string;
  violations: { id: string; impact: string | null | undefined; nodes: number }[];
}

/** axe-core on the page as it is now (WCAG 2.x A and AA plus best practices). */
export async function axe(page: Page, name: string): Promise<AxeSummary> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return {
    page: name,
    violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
  };
}

export const seriousOrWorse = (s: AxeSummary) =>
  s.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
