import { expect, test } from '@playwright/test';
import { PUBLISHER, expectAccessible, makePackage, ready, signIn, uniqueKey } from './support';

const js = () => test.info().project.use.javaScriptEnabled !== false;

test('upload a valid package and see the submitted version with its findings', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-ok');
  const file = makePackage(key, '1.0.0', { 'docs/getting-started.md': '# Start\n\nInstall it.\n' });
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/publish');
  await ready(page);
  await expectAccessible(page);
  await page.getByLabel('Publisher').selectOption('acme-tools');
  await page.getByLabel('Package').setInputFiles(file);
  if (js()) {
    // Read and checked in the browser before anything is sent.
    await expect(page.locator('#upload-preview')).toContainText(`${key} 1.0.0 is ready to upload.`);
  }
  await page.getByLabel('Release notes').fill('First upload from the browser tests.');
  await page.getByRole('button', { name: 'Upload version' }).click();

  await expect(page).toHaveURL(new RegExp(`/publish/extensions/${key}/versions/1\\.0\\.0$`));
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Submitted');
  await expect(page.getByText('First upload from the browser tests.')).toBeVisible();
  await expect(page.getByText('The automated checks found nothing to report.')).toBeVisible();
  await expect(page.getByRole('link', { name: /Download/ })).toHaveAttribute(
    'href',
    `/extensions/${key}/versions/1.0.0/download`,
  );
  await expectAccessible(page);

  // The dashboard lists it; the listing editor saves.
  await page.goto('/publishers/acme-tools');
  await ready(page);
  await expect(page.getByRole('link', { name: `E2E ${key}` })).toBeVisible();
  await page.getByRole('link', { name: `E2E ${key}` }).click();
  await ready(page);
  await page.getByLabel('Summary').fill('Edited by the browser tests.');
  await page.getByLabel('communication').check();
  await page.getByLabel('Tags').fill('e2e, Browser');
  await page.getByRole('button', { name: 'Save listing' }).click();
  await expect(page.getByRole('status')).toContainText('Listing saved.');
  await page.reload();
  await ready(page);
  await expect(page.getByLabel('Summary')).toHaveValue('Edited by the browser tests.');
  await expect(page.getByLabel('Tags')).toHaveValue('e2e, browser');
  await expect(page.getByLabel('communication')).toBeChecked();
});

test('a package with credentials is refused and says why', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-leak');
  const file = makePackage(key, '1.0.0', { 'config/.env': 'API_TOKEN=do-not-ship-me\n' });
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/publish');
  await ready(page);
  await page.getByLabel('Publisher').selectOption('northwind-labs');
  await page.getByLabel('Package').setInputFiles(file);
  await page.getByLabel('Release notes').fill('Notes kept after the refusal.');
  if (js()) {
    // The browser runs the same checks: the upload is not even offered.
    await expect(page.locator('#upload-preview')).toContainText('blocking problem');
    await expect(page.locator('#upload-preview')).toContainText('config/.env');
    await expect(page.getByRole('button', { name: 'Upload version' })).toBeDisabled();
  } else {
    await page.getByRole('button', { name: 'Upload version' }).click();
    await expect(page).toHaveURL(/\/publish#upload$/);
    await ready(page);
    await expect(page.getByRole('alert').filter({ hasText: 'automated checks' })).toBeVisible();
    await expect(page.getByText('config/.env')).toBeVisible();
    await expect(page.getByLabel('Release notes')).toHaveValue('Notes kept after the refusal.');
    await expect(page.getByLabel('Publisher')).toHaveValue('northwind-labs');
    await expectAccessible(page);
  }
  await expect(page.getByText('do-not-ship-me')).toHaveCount(0);
});

test('a version is accepted once: the second upload is refused by the server', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-twice');
  const file = makePackage(key, '2.0.0');
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  for (const attempt of [1, 2]) {
    await page.goto('/publish');
    await ready(page);
    await page.getByLabel('Publisher').selectOption('acme-tools');
    await page.getByLabel('Package').setInputFiles(file);
    if (js()) {
      await expect(page.locator('#upload-preview')).toContainText('ready to upload');
    }
    await page.getByRole('button', { name: 'Upload version' }).click();
    if (attempt === 1) {
      await expect(page).toHaveURL(new RegExp(`/versions/2\\.0\\.0$`));
    }
  }
  await expect(page.getByRole('alert').filter({ hasText: 'was uploaded before' })).toBeVisible();
});

test('the demo publisher dashboard shows versions, states and the version page', async ({ page }) => {
  await signIn(page, PUBLISHER.email, PUBLISHER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/publishers/northwind-labs');
  await ready(page);
  const block = page.locator('section.extension-block').filter({ has: page.getByRole('heading', { name: /Standup Digest/ }) });
  await expect(block.getByRole('row')).toHaveCount(3);
  await expectAccessible(page);
  await block.getByRole('link', { name: '2.1.0' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Standup Digest 2.1.0');
  await expect(page.getByText('Every morning, each recipient gets one email')).toBeVisible();
  await expect(page.getByText('Closed issues can be left out.')).toBeAttached();
  await page.goto('/publish/extensions/incident-pager/versions/0.3.0');
  await ready(page);
  await expect(page.getByText('changelog-missing')).toBeVisible();
});
