import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import { PUBLISHER, expectAccessible, makePackage, ready, signInAs, uniqueKey } from './support';

test('a publisher creates an API token, sees it once, publishes with it, and revokes it', async ({ page, request }, testInfo) => {
  await signInAs(page, PUBLISHER);
  await page.goto('/account');
  await ready(page);
  await page.getByRole('link', { name: 'Manage your API tokens' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API tokens');
  // The demo's tokens are listed, the revoked one as such.
  await expect(page.getByRole('row').filter({ hasText: 'Old laptop' })).toContainText('revoked');

  const key = uniqueKey(testInfo, 'pw-api');
  const name = `Release pipeline (${testInfo.project.name} ${Date.now() % 1_000_000})`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel(/^read/).check();
  await page.getByLabel('Expires').selectOption('7');
  await page.getByLabel('Only extensions matching (optional)').fill('pw-api-*');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.locator('code.token');
  await expect(shown).toContainText('kkt_');
  const token = (await shown.textContent())!.trim();
  await expectAccessible(page);
  const auth = { authorization: `Bearer ${token}` };

  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status()).toBe(200);
  expect((await me.json()).token).toMatchObject({ name, scopes: ['publish', 'read'], key_pattern: 'pw-api-*' });

  const upload = (k: string) => {
    const file = makePackage(k, '1.0.0');
    return request.post('/api/v1/extensions', {
      headers: auth,
      multipart: {
        publisher: 'acme-tools',
        package: { name: `${k}-1.0.0.tar.gz`, mimeType: 'application/gzip', buffer: fs.readFileSync(file) },
      },
    });
  };
  const outside = await upload(uniqueKey(testInfo, 'other'));
  expect(outside.status()).toBe(403);
  expect((await outside.json()).error.message).toContain('pw-api-*');
  const published = await upload(key);
  expect(published.status()).toBe(201);
  const body = await published.json();
  expect(body).toMatchObject({ key, version: '1.0.0', state: 'submitted' });

  // The upload is on the publisher's dashboard like any other.
  await page.goto(`/publish/extensions/${key}/versions/1.0.0`);
  await ready(page);
  await expect(page.locator('main')).toContainText('Submitted');

  // Shown once; its use is recorded; then revoked.
  await page.goto('/account/tokens');
  await ready(page);
  await expect(page.locator('code.token')).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('pw-api-*');
  await expect(row.locator('td').nth(5)).not.toHaveText('never');
  await row.getByRole('button', { name: `Revoke: ${name}` }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('revoked');
  const refused = await request.get('/api/v1/me', { headers: auth });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toContain('revoked');
});

test('the token form explains what is wrong', async ({ page }) => {
  await signInAs(page, PUBLISHER);
  await page.goto('/account/tokens');
  await ready(page);
  await page.getByLabel(/^publish/).uncheck();
  await page.getByLabel('Only extensions matching (optional)').fill('My Keys');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.locator('#token-scopes-error')).toHaveText('Choose at least one scope.');
  await expect(page.locator('#token-name-error')).toContainText('Give the token a name');
  await expect(page.locator('#token-key_pattern-error')).toContainText('such as my-*');
  await expect(page.locator('code.token')).toHaveCount(0);
  // Nothing typed is lost, with or without JavaScript.
  await expect(page.getByLabel('Only extensions matching (optional)')).toHaveValue('My Keys');
  await expect(page.getByLabel(/^publish/)).not.toBeChecked();
});

test('the REST API reference renders the generated OpenAPI document', async ({ page, request }) => {
  await page.goto('/');
  await ready(page);
  await page.getByRole('link', { name: 'REST API' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Kiket Marketplace API');
  await page.getByRole('link', { name: /POST \/api\/v1\/extensions/ }).first().click();
  const publish = page.locator('#post-api-v1-extensions');
  await expect(publish).toContainText('Needs a personal token with the publish scope.');
  await expect(publish).toContainText('multipart/form-data');
  await expect(publish).toContainText('429');
  await expectAccessible(page);
  const doc = await request.get('/api/v1/openapi.json');
  expect(doc.status()).toBe(200);
  expect(Object.keys((await doc.json()).paths)).toContain('/api/v1/extensions/{key}/versions/{version}/yank');
});
