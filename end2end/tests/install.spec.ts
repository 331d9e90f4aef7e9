import { expect, Page, test } from '@playwright/test';
import * as crypto from 'node:crypto';
import { ADMIN, PUBLISHER, expectAccessible, makePackage, next, publishApproved, ready, signInAs, startReceiver, uniqueKey } from './support';

/** An extension's server that rejects the channel "#reject". */
function startRejectingReceiver() {
  return startReceiver((json) =>
    json?.data?.configuration?.channel === '#reject'
      ? [422, { errors: { channel: 'No such channel in your workspace.' } }]
      : [200, { ok: true }],
  );
}

function manifest(key: string, baseUrl: string): string {
  return `manifest_version: 2
extension:
  key: ${key}
  name: E2E ${key}
  version: 1.0.0
  description: Asks for one setting of every kind.
  base_url: ${baseUrl}
  permissions: [issues:read, comments:write]
triggers:
  - event: issue.created
    handler: /events
settings:
  - key: API_TOKEN
    label: API token
    type: secret
    required: true
  - key: server_url
    label: Server URL
    type: url
    required: true
    scope: extension
  - key: channel
    label: Channel
    type: string
    required: true
  - key: mode
    label: Mode
    type: select
    options: [simple, advanced]
    default: simple
  - key: depth
    label: Depth
    type: integer
    min: 1
    max: 5
    required: true
    show_when: {field: mode, equals: advanced}
  - key: ratio
    label: Ratio
    type: number
    min: 0
    max: 1
  - key: verbose
    label: Verbose
    type: boolean
  - key: kinds
    label: Kinds
    type: multiselect
    options: [bug, task]
  - key: notes
    label: Notes
    type: text
  - key: contact
    label: Contact
    type: email
`;
}

function hmacHex(secret: string, message: string): string {
  return crypto.createHmac('sha256', secret).update(message).digest('hex');
}

test('an org admin installs through consent and both wizards, tests the connection, and uninstalls', async ({ page }, testInfo) => {
  const js = testInfo.project.use.javaScriptEnabled !== false;
  const receiver = await startRejectingReceiver();
  try {
    const key = uniqueKey(testInfo, 'e2e-wizard');
    await publishApproved(page, key, manifest(key, receiver.url));

    // Priya administers Globex: Install → project → consent.
    await signInAs(page, PUBLISHER);
    await page.goto(`/extensions/${key}`);
    await ready(page);
    await page.getByRole('link', { name: 'Install', exact: true }).click();
    await ready(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Install E2E ${key}`);
    await page.getByRole('link', { name: 'Install into Website' }).click();
    await ready(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Install E2E ${key} into Website`);
    await expect(page.getByText('Create and change comments')).toBeVisible();
    await expect(page.getByText(/sent to 127\.0\.0\.1/)).toBeVisible();
    await expect(page.getByText('verified', { exact: true })).toBeVisible();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Allow and continue' }).click();

    // The organization's wizard: the model's URL check (http(s) only) answers.
    await expect(page).toHaveURL(/\/setup\?step=0$/);
    await ready(page);
    await expect(page.getByRole('navigation', { name: 'Setup progress' })).toContainText('Organization · Settings');
    await expectAccessible(page);
    await page.getByLabel('Server URL').fill('ftp://ci.globex.example');
    await next(page);
    await expect(page.locator('#setup-server_url-error')).toContainText('http');
    await page.getByLabel('Server URL').fill('https://ci.globex.example');
    await next(page);

    // Credentials: written once, then shown only as set.
    await expect(page).toHaveURL(/step=1$/);
    await ready(page);
    await next(page);
    if (js) {
      // The model's check, in the browser.
      await expect(page.locator('#setup-API_TOKEN-error')).toContainText('API token is required.');
    } else {
      // The browser's own check of a field that is always required.
      await expect(page.locator('#setup-API_TOKEN:invalid')).toHaveCount(1);
      await expect(page).toHaveURL(/step=1$/);
    }
    await page.getByLabel(/API token/).fill('tok-e2e-never-shown');
    await next(page);

    // Project settings: every control; depth appears with "advanced" (hydrated) and is required then.
    await expect(page).toHaveURL(/step=2$/);
    await ready(page);
    if (js) {
      await expect(page.getByLabel('Depth')).toBeHidden();
    }
    await page.getByLabel('Channel').fill('#reject');
    await page.getByLabel('Mode').selectOption('advanced');
    await expect(page.getByLabel('Depth')).toBeVisible();
    await page.getByLabel('Ratio').fill('0.5');
    await page.getByLabel('Verbose').check();
    await page.getByLabel('task').check();
    await page.getByLabel('Notes').fill('Two\nlines');
    await page.getByLabel('Contact').fill('ops@globex.example');
    await next(page);
    await expect(page.locator('#setup-depth-error')).toContainText('Depth is required.');
    await page.getByLabel('Depth').fill('3');
    await next(page);

    // The test: the extension rejects the channel; back, fix it, test again.
    await expect(page).toHaveURL(/step=3$/);
    await ready(page);
    await next(page, 'Send test and continue');
    await expect(page.getByRole('alert').filter({ hasText: 'Channel: No such channel in your workspace.' })).toBeVisible();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page).toHaveURL(/step=2$/);
    await ready(page);
    await expect(page.getByLabel('Depth')).toHaveValue('3');
    await expect(page.getByLabel('Verbose')).toBeChecked();
    await page.getByLabel('Channel').fill('#ops');
    await next(page);
    await expect(page).toHaveURL(/step=3$/);
    await ready(page);
    await next(page, 'Send test and continue');

    // Done: the credentials, once.
    await expect(page).toHaveURL(/\/done$/);
    await ready(page);
    await expect(page.getByText('Copy these now: they are not shown again.')).toBeVisible();
    const secret = (await page.getByTestId('signing-secret').textContent())!.trim();
    await expect(page.getByTestId('runtime-token')).toContainText('kkr_');
    expect(await page.content()).not.toContain('tok-e2e-never-shown');

    // The ping the extension accepted verifies with that secret, both ways.
    const ping = receiver.received[receiver.received.length - 1];
    const ts = ping.headers['x-kiket-timestamp'] as string;
    expect(ping.headers['x-kiket-event']).toBe('extension.ping');
    expect(ping.headers['x-kiket-signature']).toBe(hmacHex(secret, `${ts}.${ping.body}`));
    const key32 = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = crypto.createHmac('sha256', key32).update(`${ping.headers['webhook-id']}.${ts}.${ping.body}`).digest('base64');
    expect(ping.headers['webhook-signature']).toBe(`v1,${expected}`);
    const body = JSON.parse(ping.body);
    expect(body.data.configuration).toMatchObject({ channel: '#ops', mode: 'advanced', depth: '3', verbose: 'true', kinds: 'task' });
    expect(ping.body).not.toContain('tok-e2e-never-shown');

    // Shown once: a reload shows nothing new.
    await page.reload();
    await ready(page);
    await expect(page.getByTestId('signing-secret')).toHaveCount(0);

    // The installation page, then uninstall.
    await page.getByRole('link', { name: 'Open the installation' }).click();
    await ready(page);
    await expect(page.getByText('Active', { exact: true })).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'API_TOKEN' })).toContainText(/set · last changed .* by Priya Publisher/);
    await expect(page.getByRole('row').filter({ hasText: 'Kinds' })).toContainText('task');
    await expectAccessible(page);
    await page.getByLabel("Type the extension's key to confirm").fill('wrong');
    await page.getByRole('button', { name: 'Uninstall' }).click();
    await expect(page.locator('#uninstall-confirm-error')).toContainText(`Type ${key} to confirm.`);
    await page.getByLabel("Type the extension's key to confirm").fill(key);
    await page.getByRole('button', { name: 'Uninstall' }).click();
    await expect(page.getByText('Uninstalled', { exact: true })).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'API_TOKEN' })).toContainText('not set');
  } finally {
    await receiver.close();
  }
});

test('a member sees the demo installation and no controls; a visitor is asked to sign in', async ({ page }) => {
  await page.goto('/extensions/slack-notifier/install');
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to install');
  await signInAs(page, { email: 'member@kiket.test', password: 'kiket-member-demo' });
  await page.goto('/orgs/globex');
  await ready(page);
  await page.getByRole('link', { name: 'Slack Notifier' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Slack Notifier in Website');
  await expect(page.getByRole('row').filter({ hasText: 'Channel' })).toContainText('#website');
  await expect(page.getByRole('row').filter({ hasText: 'SLACK_BOT_TOKEN' })).toContainText('set · last changed');
  await expect(page.getByRole('button', { name: /Uninstall|Disable/ })).toHaveCount(0);
  expect(await page.content()).not.toContain('xoxb-demo-token-not-real');
  await expectAccessible(page);
});

function upgradeManifest(key: string, version: string, extra: string): string {
  return `manifest_version: 2
extension:
  key: ${key}
  name: E2E ${key}
  version: ${version}
  description: Grows between versions.
  base_url: https://${key}.example.com
  permissions: [issues:read${extra ? ', comments:write' : ''}]
triggers:
  - event: issue.created
    handler: /events
settings:
  - key: label
    label: Label
    type: string
${extra}`;
}

async function publishVersion(page: Page, key: string, version: string, yaml: string): Promise<void> {
  await signInAs(page, PUBLISHER);
  await page.goto('/publish');
  await ready(page);
  await page.getByLabel('Publisher').selectOption('acme-tools');
  await page.getByLabel('Package').setInputFiles(makePackage(key, version, { 'extension.yaml': yaml }));
  if (test.info().project.use.javaScriptEnabled !== false) {
    await expect(page.locator('#upload-preview')).toContainText('ready to upload');
  }
  await page.getByRole('button', { name: 'Upload version' }).click();
  await expect(page).toHaveURL(new RegExp(`/versions/${version.replace(/\./g, '\\.')}$`));
  await signInAs(page, ADMIN);
  await page.goto(`/review/${key}/${version}`);
  await ready(page);
  await page.getByRole('button', { name: 'Claim for review' }).click();
  await page.getByRole('button', { name: 'Approve and publish' }).click();
  await expect(page.getByRole('heading', { level: 1 }).first()).toContainText('Published');
}

test('an upgrade that asks for a new permission needs consent and new settings; rollback returns', async ({ page }, testInfo) => {
  const key = uniqueKey(testInfo, 'e2e-upgrade');
  await publishVersion(page, key, '1.0.0', upgradeManifest(key, '1.0.0', ''));

  // Install 1.0.0: nothing is required, and the test step is skipped.
  await signInAs(page, PUBLISHER);
  await page.goto(`/orgs/globex/projects/website/install/${key}`);
  await ready(page);
  await page.getByRole('button', { name: 'Allow and continue' }).click();
  await expect(page).toHaveURL(/step=0$/);
  await ready(page);
  await next(page);
  await expect(page).toHaveURL(/step=1$/);
  await ready(page);
  await page.getByRole('button', { name: 'Skip this step' }).click();
  await expect(page).toHaveURL(/\/done$/);
  await ready(page);
  await page.getByRole('link', { name: 'Open the installation' }).click();
  await ready(page);
  const installation = page.url();

  // 1.1.0 asks to write comments and needs a channel.
  const extra = `  - key: channel
    label: Channel
    type: string
    required: true
`;
  await publishVersion(page, key, '1.1.0', upgradeManifest(key, '1.1.0', extra));
  await signInAs(page, PUBLISHER);
  await page.goto(installation);
  await ready(page);
  await page.getByRole('link', { name: 'Upgrade to 1.1.0' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Upgrade E2E ${key} from 1.0.0 to 1.1.0`);
  await expect(page.getByRole('heading', { name: 'Release notes' })).toBeVisible();
  await expect(page.locator('ul').filter({ hasText: 'comments:write' }).first()).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Upgrade' }).click();
  await expect(page.locator('#consent-error')).toContainText('tick the box');
  await page.getByLabel(`Grant E2E ${key} these permissions`).check();
  await page.getByRole('button', { name: 'Upgrade' }).click();

  // The wizard asks for the new required setting.
  await expect(page).toHaveURL(/\/setup\?step=0$/);
  await ready(page);
  await page.getByLabel('Channel').fill('#releases');
  await next(page);
  await expect(page).toHaveURL(/step=1$/);
  await ready(page);
  await page.getByRole('button', { name: 'Skip this step' }).click();
  await page.goto(installation);
  await ready(page);
  await expect(page.getByText(/previously 1\.0\.0/)).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: 'comments:write' })).toBeVisible();

  // Roll back.
  await page.getByRole('link', { name: 'Roll back to 1.0.0' }).click();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Roll back E2E ${key} from 1.1.0 to 1.0.0`);
  await page.getByRole('button', { name: 'Roll back' }).click();
  await expect(page).toHaveURL(installation);
  await ready(page);
  await expect(page.getByText(/previously 1\.1\.0/)).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: 'comments:write' })).toHaveCount(0);
});
