import { expect, test } from '@playwright/test';
import { expectAccessible, ready } from './support';

const BROKEN = `manifest_version: 2
extension:
  key: team-notifier
  name: Team Notifier
  version: one
  base_url: https://notify.example.com
settings:
  - key: API_TOKEN
    label: API token
    type: secret
    required: true
`;

const FIXED = BROKEN.replace('version: one', 'version: 1.0.0');

test('diagnostics point at the line, and a clean manifest previews its wizard', async ({ page }, testInfo) => {
  await page.goto('/publish/validate');
  await ready(page);
  await expect(page.getByRole('heading', { name: 'Validate a manifest' })).toBeVisible();
  const editor = page.getByLabel('Manifest (YAML)');
  await editor.fill(BROKEN);
  if (testInfo.project.name === 'nojs') {
    await page.getByRole('button', { name: 'Validate' }).click();
    await expect(page.getByLabel('Manifest (YAML)')).toHaveValue(BROKEN);
  }
  const diagnostics = page.getByRole('list', { name: 'Diagnostics' });
  const error = diagnostics.getByRole('listitem').filter({ hasText: 'extension.version' });
  await expect(error).toContainText('Line 5, col 12');
  await expect(error).toContainText('is not a semantic version');
  await expect(page.locator('#manifest-summary')).toHaveText('1 error(s), 0 warning(s).');
  await expectAccessible(page);

  await page.getByLabel('Manifest (YAML)').fill(FIXED);
  if (testInfo.project.name === 'nojs') {
    await page.getByRole('button', { name: 'Validate' }).click();
  }
  await expect(page.locator('#manifest-summary')).toHaveText('No problems found (dialect 2).');
  await expect(diagnostics.getByRole('listitem')).toHaveCount(0);
  const preview = page.getByRole('region', { name: 'Project wizard (each installation)' });
  await expect(preview.getByText('Step 1 of 2 · Secrets')).toBeVisible();
  await expect(preview.getByLabel(/API token/)).toBeDisabled();
  await expect(preview.getByText('Step 2 of 2 · Test')).toBeVisible();
  await expectAccessible(page);
});

test('a diagnostic moves the cursor to its line', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === 'nojs', 'needs JavaScript');
  await page.goto('/publish/validate');
  await ready(page);
  await page.getByLabel('Manifest (YAML)').fill(BROKEN);
  await page.getByRole('button', { name: 'Line 5, col 12' }).click();
  const caret = await page.getByLabel('Manifest (YAML)').evaluate((el: HTMLTextAreaElement) => el.selectionStart);
  expect(caret).toBe(BROKEN.split('\n').slice(0, 4).join('\n').length + 1);
});
