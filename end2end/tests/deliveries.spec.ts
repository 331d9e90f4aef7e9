import { expect, Page, test } from '@playwright/test';
import { PUBLISHER, expectAccessible, next, publishApproved, ready, signInAs, startReceiver, uniqueKey } from './support';

function manifest(key: string, baseUrl: string): string {
  return `manifest_version: 2
extension:
  key: ${key}
  name: Hooks ${key}
  version: 1.0.0
  description: Receives issue events.
  base_url: ${baseUrl}
  permissions: [issues:read]
triggers:
  - event: issue.created
    handler: /events
  - event: issue.closed
    handler: /events
`;
}

/** Reloads until `text` shows (workers deliver in the background). */
async function reloadUntil(page: Page, text: string | RegExp): Promise<void> {
  await expect(async () => {
    await page.reload();
    await ready(page);
    await expect(page.locator('main')).toContainText(text, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

test('an admin sends a test event, sees it delivered in the console, and redelivers it', async ({ page }, testInfo) => {
  const receiver = await startReceiver();
  try {
    const key = uniqueKey(testInfo, 'e2e-hooks');
    await publishApproved(page, key, manifest(key, receiver.url));

    // Install into Website: consent, then the wizard's only step, the test ping.
    await signInAs(page, PUBLISHER);
    await page.goto(`/extensions/${key}/install`);
    await ready(page);
    await page.getByRole('link', { name: 'Install into Website' }).click();
    await ready(page);
    await page.getByRole('button', { name: 'Allow and continue' }).click();
    await expect(page).toHaveURL(/\/setup\?step=0$/);
    await ready(page);
    await next(page, 'Send test and continue');
    await expect(page).toHaveURL(/\/done$/);
    await ready(page);
    await page.getByRole('link', { name: 'Open the installation' }).click();
    await ready(page);

    // Send a test event from the installation page: the console opens with it.
    await page.getByLabel('Event', { exact: true }).selectOption('issue.closed');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page).toHaveURL(/\/deliveries$/);
    await ready(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Deliveries');
    const row = page.getByRole('row').filter({ hasText: 'issue.closed' });
    await expect(row).toHaveCount(1);
    await reloadUntil(page, 'Delivered');
    await expect(page.getByRole('img', { name: /Success rate per hour/ })).toBeVisible();
    await expectAccessible(page);

    // Filters are a GET form: nothing failed.
    await page.getByLabel('State').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/state=failed/);
    await ready(page);
    await expect(page.getByText('No deliveries match.')).toBeVisible();
    await page.getByLabel('State').selectOption('delivered');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/state=delivered/);
    await ready(page);

    // The delivery: its attempt, headers without signatures, the answer.
    await page.getByRole('row').filter({ hasText: 'issue.closed' }).getByRole('link').click();
    await ready(page);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Delivery dlv_');
    const first = (await page.getByRole('heading', { level: 1 }).textContent())!.replace('Delivery ', '').trim();
    await expect(page.getByRole('heading', { name: /Attempt 1 .* HTTP 200/ })).toBeVisible();
    await expect(page.getByText('{"ok":true}')).toBeVisible();
    await page.getByText('Request headers', { exact: true }).click();
    await expect(page.locator('.headers')).toContainText('X-Kiket-Delivery');
    await expect(page.locator('.headers')).not.toContainText('Signature');
    await expectAccessible(page);

    // Redeliver: a new delivery of the same event.
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await expect(page).not.toHaveURL(new RegExp(`${first}$`));
    await ready(page);
    await expect(page.getByText('Redelivery of')).toBeVisible();
    await reloadUntil(page, /Attempt 1 .* HTTP 200/);
    const events = receiver.received.filter((r) => r.headers['x-kiket-event'] === 'issue.closed');
    expect(events).toHaveLength(2);
    expect(events[0].headers['x-kiket-delivery']).toBe(first);
    expect(events[1].headers['x-kiket-delivery']).not.toBe(first);
    expect(JSON.parse(events[1].body).id).toBe(JSON.parse(events[0].body).id);
    expect(JSON.parse(events[1].body).data.test).toBe(true);
  } finally {
    await receiver.close();
  }
});

test('an admin creates an events token, sees it once, posts with it, and revokes it', async ({ page, request }, testInfo) => {
  await signInAs(page, PUBLISHER);
  await page.goto('/orgs/globex');
  await ready(page);
  await page.getByRole('link', { name: 'Tokens for the events API' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organization tokens');
  const name = `Pipeline (${testInfo.project.name})`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.locator('code.token');
  await expect(shown).toContainText('kko_');
  const token = (await shown.textContent())!.trim();
  await expectAccessible(page);

  const posted = await request.post('/api/v1/projects/globex/website/events', {
    headers: { authorization: `Bearer ${token}` },
    data: { event: 'issue.created', data: { issue: { id: 1, title: 'From the token test' } } },
  });
  expect(posted.status()).toBe(202);
  expect((await posted.json()).id).toMatch(/^evt_/);

  // Shown once.
  await page.reload();
  await ready(page);
  await expect(page.locator('code.token')).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).not.toContainText('never');
  await row.getByRole('button', { name: `Revoke: ${name}` }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('revoked');
  const refused = await request.post('/api/v1/projects/globex/website/events', {
    headers: { authorization: `Bearer ${token}` },
    data: { event: 'issue.created', data: {} },
  });
  expect(refused.status()).toBe(401);
});
