import { BrowserContext, expect, Page, TestInfo, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Demo accounts seeded by `serve --seed-demo`. */
export const ADMIN = { email: 'admin@kiket.test', password: 'kiket-admin-demo', name: 'Ada Admin' };
export const PUBLISHER = { email: 'publisher@kiket.test', password: 'kiket-publisher-demo', name: 'Priya Publisher' };

/** An email no other test uses. */
export function uniqueEmail(testInfo: TestInfo): string {
  return `user-${testInfo.project.name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Waits until the page is interactive: hydrated when JavaScript runs, loaded otherwise. */
export async function ready(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  if (test.info().project.use.javaScriptEnabled !== false) {
    await page.waitForSelector('body[data-hydrated]', { state: 'attached', timeout: 15_000 });
  }
}

/**
 * Fails on serious or critical accessibility violations of the page as it stands. axe runs inside
 * the page, so without JavaScript the page's current HTML is scanned in a scratch JS-enabled page
 * at the same URL (its scripts removed, its stylesheets kept).
 */
export async function expectAccessible(page: Page): Promise<void> {
  let target = page;
  let scratch: BrowserContext | undefined;
  if (test.info().project.use.javaScriptEnabled === false) {
    const html = (await page.content()).replace(/<script[\s\S]*?<\/script>/gi, '');
    scratch = await page.context().browser()!.newContext({ javaScriptEnabled: true });
    target = await scratch.newPage();
    // Serve the captured HTML at the page's own URL; stylesheets still come from the server.
    const url = page.url();
    await target.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await target.goto(url);
  }
  const results = await new AxeBuilder({ page: target }).analyze();
  await scratch?.close();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `accessibility violations on ${page.url()}`).toEqual([]);
}

/** Signs in through the form. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await ready(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Packs a small extension with the project's own `kiket` CLI (built with the test binaries) and
 * returns the archive's path. `extra` adds files (path → content).
 */
export function makePackage(key: string, version: string, extra: Record<string, string> = {}): string {
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache', 'kiket-marketplace', 'target');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiket-e2e-'));
  const files: Record<string, string> = {
    'extension.yaml': [
      'manifest_version: 2',
      'extension:',
      `  key: ${key}`,
      `  name: E2E ${key}`,
      `  version: ${version}`,
      '  description: Uploaded by the browser tests.',
      `  base_url: https://${key}.example.com`,
      '  permissions: [issues:read]',
      'triggers:',
      '  - event: issue.created',
      '    handler: /events',
      '',
    ].join('\n'),
    'README.md': `# ${key}\n\nUploaded by the browser tests.\n`,
    'CHANGELOG.md': `## ${version}\n- first\n`,
    ...extra,
  };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const out = path.join(dir, 'out');
  execFileSync(path.join(targetDir, 'debug', 'kiket'), ['extensions', 'package', dir, '--output', out]);
  return path.join(out, `${key}-${version}.tar.gz`);
}

/** A key no other test uses. */
export function uniqueKey(testInfo: TestInfo, prefix: string): string {
  return `${prefix}-${testInfo.project.name}-${Date.now() % 1_000_000}`;
}

/** Signs out whoever is signed in, then signs in as `who`. */
export async function signInAs(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/$/);
}

/** Uploads `key` 1.0.0 with this `extension.yaml` as the publisher and approves it as the marketplace admin. */
export async function publishApproved(page: Page, key: string, manifest: string): Promise<void> {
  await signInAs(page, PUBLISHER);
  await page.goto('/publish');
  await ready(page);
  await page.getByLabel('Publisher').selectOption('acme-tools');
  await page.getByLabel('Package').setInputFiles(makePackage(key, '1.0.0', { 'extension.yaml': manifest }));
  if (test.info().project.use.javaScriptEnabled !== false) {
    await expect(page.locator('#upload-preview')).toContainText('ready to upload');
  }
  await page.getByRole('button', { name: 'Upload version' }).click();
  await expect(page).toHaveURL(/\/versions\/1\.0\.0$/);
  await signInAs(page, ADMIN);
  await page.goto(`/review/${key}/1.0.0`);
  await ready(page);
  await page.getByRole('button', { name: 'Claim for review' }).click();
  await page.getByRole('button', { name: 'Approve and publish' }).click();
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Published');
}

/** Presses a setup wizard's forward button. */
export async function next(page: Page, label = 'Save and continue'): Promise<void> {
  await page.getByRole('button', { name: label }).click();
}

/** A request an extension's server received. */
export type Received = { headers: http.IncomingHttpHeaders; body: string };

/**
 * An extension's server on a loopback port: records what it receives and answers with what
 * `answer` returns for the parsed body (200 `{"ok":true}` by default).
 */
export async function startReceiver(
  answer: (json: any) => [number, unknown] = () => [200, { ok: true }],
): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const [status, json] = answer(JSON.parse(body || '{}'));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}
