import { expect, Page, test } from '@playwright/test';
import { ADMIN, PUBLISHER, expectAccessible, makePackage, ready, signIn, uniqueKey } from './support';

async function signInAs(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/$/);
}

async function upload(page: Page, key: string, version: string): Promise<void> {
  await page.goto('/publish');
  await ready(page);
  await page.getByLabel('Publisher').selectOption('acme-tools');
  await page.getByLabel('Package').setInputFiles(makePackage(key, version));
  if (test.info().project.use.javaScriptEnabled !== false) {
    await expect(page.locator('#upload-preview')).toContainText('ready to upload');
  }
  await page.getByRole('button', { name: 'Upload version' }).click();
  await expect(page).toHaveURL(new RegExp(`/versions/${version.replace(/\./g, '\\.')}$`));
}

test('a publisher uploads, an admin claims and approves, the publisher yanks with a reason', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-review');
  await signInAs(page, PUBLISHER);
  await upload(page, key, '1.0.0');
  await ready(page);
  await expect(page.getByText(/Position \d+ in the review queue/)).toBeVisible();

  await signInAs(page, ADMIN);
  await page.goto('/review');
  await ready(page);
  await expectAccessible(page);
  await page.getByRole('link', { name: `E2E ${key}` }).click();
  await expect(page).toHaveURL(new RegExp(`/review/${key}/1\\.0\\.0$`));
  await ready(page);
  await expect(page.getByText('First version: there is no published version to compare with.')).toBeVisible();
  await page.getByRole('button', { name: 'Claim for review' }).click();
  await expect(page.getByRole('button', { name: 'Approve and publish' })).toBeVisible();
  await page.getByLabel('Note to the publisher (optional)').fill('Looks good, welcome aboard.');
  await page.getByRole('button', { name: 'Approve and publish' }).click();
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Published');
  await expectAccessible(page);
  // Listed: on the front page and on its own page.
  await page.goto('/');
  await ready(page);
  await expect(page.getByRole('link', { name: `E2E ${key}` })).toBeVisible();
  await page.getByRole('link', { name: `E2E ${key}` }).click();
  await expect(page).toHaveURL(new RegExp(`/extensions/${key}$`));
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(`E2E ${key}`);

  await signInAs(page, PUBLISHER);
  await page.goto(`/publish/extensions/${key}/versions/1.0.0`);
  await ready(page);
  await expect(page.getByText('Looks good, welcome aboard.').first()).toBeVisible();
  // Yanking needs a reason, which users will see.
  await page.getByLabel('Reason for yanking (shown to users)').fill('Crashes when an issue has no title.');
  await page.getByRole('button', { name: 'Yank', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('yanked');
  await expect(page.getByText('Crashes when an issue has no title.').first()).toBeVisible();
  await page.goto('/publishers/acme-tools');
  await ready(page);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: '1.0.0' }) }).filter({ hasText: 'yanked' });
  await expect(row.first()).toBeVisible();
});

test('an admin requests changes and the publisher reads why', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-changes');
  await signInAs(page, PUBLISHER);
  await upload(page, key, '0.1.0');

  await signInAs(page, ADMIN);
  await page.goto(`/review/${key}/0.1.0`);
  await ready(page);
  await page.getByRole('button', { name: 'Claim for review' }).click();
  await expect(page.getByRole('button', { name: 'Request changes' })).toBeVisible();
  await page.getByLabel('What needs to change').fill('Please describe the permissions in the README.');
  await page.getByRole('button', { name: 'Request changes' }).click();
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Changes requested');

  await signInAs(page, PUBLISHER);
  await page.goto(`/publish/extensions/${key}/versions/0.1.0`);
  await ready(page);
  await expect(page.getByText('The reviewer asked for changes')).toBeVisible();
  await expect(page.getByText('Please describe the permissions in the README.').first()).toBeVisible();
  await expectAccessible(page);
});

test('the public page shows its tabs and the yanked version with its reason', async ({ page }) => {
  await page.goto('/extensions/slack-notifier');
  await ready(page);
  await expect(page.getByText('version 1.2.0')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Versions' }).click();
  await expect(page).toHaveURL(/tab=versions/);
  await ready(page);
  const yanked = page.getByRole('row').filter({ hasText: '1.1.0' });
  await expect(yanked).toContainText('yanked');
  await expect(yanked).toContainText('Notifications were sent twice for assigned issues');
  await page.getByRole('link', { name: 'Settings' }).click();
  await ready(page);
  await expect(page.getByRole('cell', { name: /Bot token/ })).toBeVisible();
  await page.goto('/extensions/incident-pager');
  await ready(page);
  await expect(page.getByText('No extension incident-pager is listed.')).toBeVisible();
});
