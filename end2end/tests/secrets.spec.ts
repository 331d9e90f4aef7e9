import { expect, test } from '@playwright/test';
import { PUBLISHER, ready, signIn, expectAccessible, uniqueEmail } from './support';

const MEMBER = { email: 'member@kiket.test', password: 'kiket-member-demo' };

test('an org admin sets, replaces and clears a secret that is never shown again', async ({ page }, testInfo) => {
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/orgs');
  await ready(page);
  await page.getByRole('link', { name: 'Globex Engineering' }).click();
  await ready(page);
  await page.getByRole('link', { name: 'Secrets of Website' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Secrets of Website');
  await expect(page.getByRole('row').filter({ hasText: 'SENTRY_DSN' })).toContainText(/set · updated .* by Priya Publisher/);
  await expectAccessible(page);

  const key = `E2E_TOKEN_${testInfo.project.name.toUpperCase()}`;
  const value = `e2e-value-${Date.now()}`;
  await page.locator('#secret-key').fill('not-upper');
  await page.locator('#secret-value').fill(value);
  await page.getByRole('button', { name: 'Set secret' }).click();
  await expect(page.locator('#secret-key-error')).toContainText('UPPER_SNAKE');
  await expect(page.locator('#secret-value')).toHaveValue('');

  await page.locator('#secret-key').fill(key);
  await page.locator('#secret-value').fill(value);
  await page.getByRole('button', { name: 'Set secret' }).click();
  const row = page.getByRole('row').filter({ hasText: key });
  await expect(row).toContainText(/set · updated .* by Priya Publisher/);
  await expect(row).toContainText('v1');
  expect(await page.content()).not.toContain(value);

  await row.getByLabel(`New value of ${key}`).fill(`${value}-2`);
  await row.getByRole('button', { name: `Replace ${key}` }).click();
  await expect(page.getByRole('row').filter({ hasText: key })).toContainText('replaced 1 time');
  expect(await page.content()).not.toContain(value);

  await page.getByRole('row').filter({ hasText: key }).getByRole('button', { name: `Clear ${key}` }).click();
  await expect(page.getByRole('row').filter({ hasText: key })).toHaveCount(0);
});

test('an org member sees keys and metadata, and no controls', async ({ page }) => {
  await signIn(page, MEMBER.email, MEMBER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/orgs/globex/secrets');
  await ready(page);
  await expect(page.getByRole('row').filter({ hasText: 'SLACK_WEBHOOK_URL' })).toContainText('replaced 1 time');
  await expect(page.getByText('Only admins of this organization can set, replace or clear secrets.')).toBeVisible();
  await expect(page.getByRole('button', { name: /Set secret|Replace|Clear/ })).toHaveCount(0);
  await expect(page.locator('#secret-value')).toHaveCount(0);
  await expectAccessible(page);
});

test('an admin creates an organization with a secret, then deletes it with its key', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await ready(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Display name').fill('Dana Deleter');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account/);
  await page.goto('/orgs');
  await ready(page);
  await expect(page.getByText('You do not belong to any organization yet.')).toBeVisible();
  const slug = `dana-${testInfo.project.name}-${Date.now() % 100000}`;
  await page.locator('#org-name').fill('Dana Labs');
  await page.locator('#org-slug').fill(slug);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${slug}$`));
  await ready(page);
  await page.getByRole('link', { name: 'Organization secrets' }).click();
  await ready(page);
  await page.locator('#secret-key').fill('API_TOKEN');
  await page.locator('#secret-value').fill('to-be-shredded');
  await page.getByRole('button', { name: 'Set secret' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'API_TOKEN' })).toContainText('set · updated');
  await page.goto(`/orgs/${slug}`);
  await ready(page);
  await page.locator('#delete-org-confirm').fill('wrong');
  await page.getByRole('button', { name: 'Delete organization' }).click();
  await expect(page.locator('#delete-org-confirm-error')).toContainText(`Type ${slug} to confirm.`);
  await page.locator('#delete-org-confirm').fill(slug);
  await page.getByRole('button', { name: 'Delete organization' }).click();
  await expect(page).toHaveURL(/\/orgs$/);
  await ready(page);
  await expect(page.getByText('You do not belong to any organization yet.')).toBeVisible();
});
