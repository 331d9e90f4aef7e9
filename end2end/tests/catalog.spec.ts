import { expect, test } from '@playwright/test';
import { expectAccessible, ready } from './support';

const js = () => test.info().project.use.javaScriptEnabled !== false;

/** Without JavaScript the form is submitted; with it, results follow the input by themselves. */
async function submitUnlessLive(page: import('@playwright/test').Page): Promise<void> {
  if (!js()) {
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await ready(page);
  }
}

test('search, filter, open a listing and see a yanked version with its reason', async ({ page }) => {
  await page.goto('/extensions');
  await ready(page);
  const cards = page.getByRole('list', { name: 'Extensions' }).getByRole('listitem').filter({ has: page.getByRole('heading') });
  // The demo's eight, and whatever other tests have published since.
  await expect(page.getByText(/^\d+ extensions$/)).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(8);
  await expectAccessible(page);

  await page.getByLabel('Search extensions').fill('slack');
  await submitUnlessLive(page);
  await expect(page).toHaveURL(/\/extensions\?q=slack$/);
  await expect(cards.first().getByRole('heading')).toHaveText('Slack Notifier');
  await expect(page).toHaveTitle(/“slack” — extensions/);
  // The field keeps what was typed.
  await expect(page.getByLabel('Search extensions')).toHaveValue('slack');

  // A filter narrows the search; the URL says so, so the view can be shared.
  await page.getByLabel('Search extensions').fill('');
  await submitUnlessLive(page);
  await page.getByLabel('Category').selectOption('operations');
  await submitUnlessLive(page);
  await expect(page).toHaveURL(/category=operations/);
  await expect(cards.filter({ hasText: 'Deploy Gate' })).toHaveCount(1);
  await expect(cards.filter({ hasText: 'Slack Notifier' })).toHaveCount(0);
  await page.getByLabel('Verified publishers only').check();
  await submitUnlessLive(page);
  await expect(page).toHaveURL(/verified=1/);
  await expect(page.getByText('No extensions match these filters')).toBeVisible();
  await page.getByRole('link', { name: 'Clear the filters' }).click();
  await ready(page);
  await expect(page).toHaveURL(/\/extensions$/);
  await expect(cards.filter({ hasText: 'Slack Notifier' })).toHaveCount(1);

  // Shared URLs open as they were: sorted by name here.
  await page.goto('/extensions?sort=name&q=notifier');
  await ready(page);
  await expect(page.getByLabel('Sort by')).toHaveValue('name');
  await expect(cards.first().getByRole('heading')).toHaveText('Slack Notifier');

  await cards.first().getByRole('link', { name: 'Slack Notifier' }).click();
  await expect(page).toHaveURL(/\/extensions\/slack-notifier$/);
  await ready(page);
  await expect(page.locator('.extension-header h1')).toHaveText('Slack Notifier');
  await expect(page.getByText('Acme Tools')).toBeVisible();
  await page.getByRole('link', { name: 'Versions' }).click();
  await expect(page).toHaveURL(/tab=versions/);
  await ready(page);
  const yanked = page.getByRole('row').filter({ hasText: '1.1.0' });
  await expect(yanked).toContainText('yanked');
  await expect(yanked).toContainText('Notifications were sent twice for assigned issues');
  await page.getByRole('link', { name: 'Permissions & events' }).click();
  await ready(page);
  await expect(page.getByText('Read issues')).toBeVisible();
});

test('a search without results says what to try', async ({ page }) => {
  await page.goto('/extensions?q=qqqzzz&category=communication');
  await ready(page);
  await expect(page.getByText('No extensions match “qqqzzz” with these filters.')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Search “qqqzzz” without filters' }).click();
  await ready(page);
  await expect(page).toHaveURL(/\/extensions\?q=qqqzzz$/);
  await expect(page.getByText('No extensions match “qqqzzz”.')).toBeVisible();
  await page.goto('/extensions?sort=newest');
  await ready(page);
  await expect(page.getByText('There is no sort "newest"')).toBeVisible();
});

test('the front page searches the catalog too', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  await page.getByLabel('Search extensions').fill('deploy');
  await submitUnlessLive(page);
  await expect(page).toHaveURL(/\/\?q=deploy$/);
  await expect(page.getByRole('list', { name: 'Extensions' }).getByRole('heading').first()).toHaveText('Deploy Gate');
});
