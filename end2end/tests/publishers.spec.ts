import { expect, test } from '@playwright/test';
import { ADMIN, PUBLISHER, expectAccessible, ready, signIn, uniqueEmail } from './support';

test('create a publisher, add and remove a maintainer', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await ready(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Display name').fill('Pat Publisher');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account/);

  await page.goto('/publish');
  await ready(page);
  await expect(page.getByText('You are not a member of any publisher yet.')).toBeVisible();
  await expectAccessible(page);
  const slug = `pat-${testInfo.project.name}-${Date.now() % 100000}`;
  await page.getByLabel('Name').fill('Pat Tools');
  await page.getByLabel('Slug').fill('Not A Slug');
  await page.getByRole('button', { name: 'Create publisher' }).click();
  await expect(page.locator('#publisher-slug-error')).toContainText('lower-case letters');
  await expect(page.getByLabel('Name')).toHaveValue('Pat Tools');
  await page.getByLabel('Slug').fill(slug);
  await page.getByRole('button', { name: 'Create publisher' }).click();

  await expect(page).toHaveURL(new RegExp(`/publishers/${slug}$`));
  await ready(page);
  await expect(page.getByRole('heading', { name: 'Pat Tools' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Last owner' })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Email of their account').fill('nobody-here@example.com');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator('#member-email-error')).toContainText('No account uses this email');

  await page.getByLabel('Email of their account').fill(PUBLISHER.email);
  await page.getByLabel('Role').selectOption('maintainer');
  await page.getByRole('button', { name: 'Add member' }).click();
  const row = page.getByRole('row').filter({ hasText: PUBLISHER.email });
  await expect(row).toContainText('Maintainer');
  await row.getByRole('button', { name: `Remove: ${PUBLISHER.name}` }).click();
  await expect(page.getByRole('row').filter({ hasText: PUBLISHER.email })).toHaveCount(0);
});

test('the demo publisher shows its verified badge and members', async ({ page }) => {
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/publish');
  await ready(page);
  const card = page.getByRole('listitem').filter({ hasText: 'Acme Tools' });
  await expect(card.getByText('verified')).toBeVisible();
  await card.getByRole('link', { name: 'Acme Tools' }).click();
  await expect(page.getByRole('cell', { name: 'member@kiket.test' })).toBeVisible();
});

test('marketplace admins verify publishers', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/publishers/northwind-labs');
  await ready(page);
  await page.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(page.getByRole('heading', { name: /Northwind Labs/ })).toContainText('verified');
  await page.getByRole('button', { name: 'Remove verification' }).click();
  await expect(page.getByRole('button', { name: 'Mark as verified' })).toBeVisible();
});

test('visitors see a publisher\'s listed extensions, not its members', async ({ page }) => {
  await page.goto('/publishers/northwind-labs');
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Northwind Labs');
  await expect(page.getByRole('link', { name: 'Deploy Gate' })).toBeVisible();
  await expect(page.getByText('publisher@kiket.test')).toHaveCount(0);
  await expectAccessible(page);
});
