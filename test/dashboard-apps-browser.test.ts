/**
 * The dashboard's apps page in Chromium, with the apps in PostgreSQL: create, rename, disable and
 * rotate a secret from the page (through the admin API, with the session and its CSRF token), and
 * check each write in the store through the API.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type TestServer } from './helpers/server.js';
import { dropAppTables, POSTGRES_URL, uniqueTable } from './helpers/sql.js';

const TOKEN = 'apps-page-admin-token-0123456';

interface AdminApp {
  readonly id: string;
  readonly name?: string;
  readonly enabled: boolean;
}

describe('dashboard apps page in Chromium, apps in PostgreSQL', () => {
  const table = uniqueTable('dashapps');
  let server: TestServer;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  let base: string;

  const apps = async (): Promise<AdminApp[]> =>
    ((await (await fetch(`${base}/api/apps`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { apps: AdminApp[] }).apps;

  before(async () => {
    server = await startServer({ admin: { port: 0, token: TOKEN }, appStore: { url: POSTGRES_URL, table } });
    base = `http://127.0.0.1:${server.server.adminAddress?.port ?? 0}`;
    userDataDir = await mkdtemp(join(tmpdir(), 'switchboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await context.newPage();
    await page.goto(`${base}/#/apps`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
  });

  after(async () => {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
    await server.close();
    await dropAppTables(POSTGRES_URL, table);
  });

  it('creates, renames, disables an app and rotates its secret', async () => {
    await page.getByLabel('New app name').fill('Checkout');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByText(/^Created .*: key .*, secret \(shown once\) /).waitFor();
    const created = (await apps()).find((app) => app.name === 'Checkout');
    assert.ok(created !== undefined, 'the app is in the store');

    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: created.id }) });
    await row.getByLabel(`Name of ${created.id}`).fill('Checkout EU');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Renamed ${created.id}.`).waitFor();
    assert.equal((await apps()).find((app) => app.id === created.id)?.name, 'Checkout EU');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText(`Disabled ${created.id}.`).waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();
    assert.equal((await apps()).find((app) => app.id === created.id)?.enabled, false);

    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(new RegExp(`^New secret of ${created.id} \\(shown once\\): \\S+$`)).waitFor();
  });
});
