import { expect, test } from '@playwright/test';
import { ADMIN, PUBLISHER, expectAccessible, ready, signIn, uniqueEmail } from './support';

test('sign up, sign out and sign in again', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await ready(page);
  await expect(page).toHaveTitle(/Create an account/);
  await expectAccessible(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Display name').fill('Grace Hopper');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/account/);
  await expect(page.getByText('Welcome! Your account is ready.')).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await expectAccessible(page);

  await page.getByText('Grace Hopper').first().click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();

  await signIn(page, email, 'a long enough password');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('.account-menu')).toContainText('Grace Hopper');
  await expectAccessible(page);
});

test('sign-up problems are shown next to their field and input is kept', async ({ page }) => {
  await page.goto('/signup');
  await ready(page);
  await page.getByLabel('Email').fill(PUBLISHER.email);
  await page.getByLabel('Display name').fill('Someone Else');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();

  const password = page.getByLabel('Password');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#signup-password-error')).toContainText('Use at least 12 characters');
  await expect(page.getByLabel('Email')).toHaveValue(PUBLISHER.email);
  await expect(page.getByLabel('Display name')).toHaveValue('Someone Else');
  await expect(password).toHaveValue('');
  await expectAccessible(page);

  await password.fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#signup-email-error')).toContainText('already exists');
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-describedby', /signup-email-error/);
  await expect(page.getByLabel('Display name')).toHaveValue('Someone Else');
});

test('a wrong password says so without saying which part was wrong', async ({ page }) => {
  await signIn(page, PUBLISHER.email, 'not the right password');
  await expect(page.locator('#signin-password-error')).toContainText('The email or password is not right');
  await expect(page.getByLabel('Email')).toHaveValue(PUBLISHER.email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expectAccessible(page);
});

test('sign-in returns to the page that asked for it', async ({ page }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/signin\?next=\/account/);
  await ready(page);
  await page.getByLabel('Email').fill(PUBLISHER.email);
  await page.getByLabel('Password').fill(PUBLISHER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('unknown pages answer 404 with a way back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Browse the catalog' })).toBeVisible();
  await expectAccessible(page);
});

test('the review area is for marketplace admins only', async ({ page }) => {
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Review' })).toHaveCount(0);
  const refused = await page.goto('/review');
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
});

test('admins see the review queue and the users list', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('link', { name: 'Review' }).click();
  await expect(page.getByRole('heading', { name: 'Review queue' })).toBeVisible();
  await expectAccessible(page);
  await page.goto('/admin/users');
  await ready(page);
  await expect(page.getByRole('cell', { name: PUBLISHER.email })).toBeVisible();
  await expectAccessible(page);
});
