import { expect, Page, test } from '@playwright/test';
import { ADMIN, PUBLISHER, expectAccessible, ready, signIn } from './support';

async function signInAs(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/$/);
}

test('notifications, the publisher audit log and deprecation', async ({ page }) => {
  await signInAs(page, PUBLISHER);
  await page.goto('/notifications');
  await ready(page);
  await expect(page.getByRole('link', { name: /approved and published/ }).first()).toBeVisible();
  await expectAccessible(page);
  const markAll = page.getByRole('button', { name: /Mark all \d+ as read/ });
  if (await markAll.count()) {
    await markAll.click();
    await expect(page.getByRole('button', { name: /Mark all/ })).toHaveCount(0);
  }

  await page.goto('/publishers/acme-tools/audit');
  await ready(page);
  await expect(page.getByRole('cell', { name: 'version.yank' }).first()).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Show').selectOption('publisher.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=publisher\./);
  await ready(page);
  await expect(page.getByRole('cell', { name: 'version.yank' })).toHaveCount(0);

  await page.goto('/publish/extensions/dev.acme.github-links');
  await ready(page);
  await page.locator('#deprecate-reason').fill('Replaced by the GitHub app.');
  await page.getByLabel('Replacement extension key').fill('slack-notifier');
  await page.getByRole('button', { name: 'Deprecate' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deprecated:' })).toContainText('Replaced by the GitHub app.');
  await expect(page.getByText('Use instead:')).toBeVisible();
  await page.getByRole('button', { name: 'Lift the deprecation' }).click();
  await expect(page.getByRole('button', { name: 'Deprecate' })).toBeVisible();
});

test('admins read the whole audit log', async ({ page }) => {
  await signInAs(page, ADMIN);
  await page.goto('/audit');
  await ready(page);
  await expect(page.getByRole('cell', { name: 'version.approve' }).first()).toBeVisible();
  await page.getByLabel('Show').selectOption('user.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await ready(page);
  await expect(page.getByRole('cell', { name: 'user.signed_in' }).first()).toBeVisible();
  await expectAccessible(page);
});
