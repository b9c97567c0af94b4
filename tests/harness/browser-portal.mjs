// Headless-Chromium walk-through of the subject portal, as a person uses it, plus an
// accessibility scan of every page with axe-core.
//
//   node browser-portal.mjs <portal-base-url> <smtp-api-url> <email> <out-dir>
//
// Steps (CSP enforced, as in production):
//   sign-in      e-mail code through the real SMTP server
//   dashboard    both entities and their categories are shown
//   recipients   the nav link opens the recipients page
//   preferences  switch SMS off for Claranet Benelux B.V.; reload: still off; the
//                history's newest line is that withdrawal
//   download     the JSON download parses and holds the records
//   erasure      file an erasure request; its status page shows reference and due date
// Then, in a second context that copies the session cookie and lets axe-core be
// injected (bypassCSP), axe runs on every page (WCAG 2.0/2.1/2.2 A and AA rules).
//
// Prints one JSON line: {"ok": true, "steps": {...}, "axe": {"<path>": [violations]},
// "cspViolations": [...], "consoleErrors": [...]} and exits 0; on failure
// {"ok": false, "step": "...", "error": "...", "html": "..."} and exits 1.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { extractCode, messagesFor } from './mail.mjs';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let step = 'start';
let browser;
let page;

function emit(obj) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(obj)}\n`, resolve));
}

async function fail(err) {
  let html = '';
  try { if (page) html = (await Promise.race([page.content(), sleep(3000).then(() => '')])).slice(0, 3000); } catch { /* gone */ }
  await emit({ ok: false, step, error: String(err?.message ?? err), html });
  try { await Promise.race([browser?.close(), sleep(3000)]); } catch { /* ignore */ }
  process.exit(1);
}

async function main() {
  const [baseArg, apiArg, email, outDir] = process.argv.slice(2);
  if (!baseArg || !apiArg || !email || !outDir) throw new Error('usage: node browser-portal.mjs <base> <smtp-api> <email> <out-dir>');
  const base = baseArg.replace(/\/+$/, '');
  const api = apiArg.replace(/\/+$/, '');
  const steps = {};

  step = 'launch';
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-GB' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const cspViolations = [];
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    else consoleErrors.push(m.text());
  });

  step = 'sign-in';
  const before = (await messagesFor(api, email)).length;
  await page.goto(`${base}/sign-in`);
  await page.fill('#sign-in-form input[name=email]', email);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#code-form');
  let code = null;
  for (let i = 0; i < 75 && !code; i += 1) {
    const mine = await messagesFor(api, email);
    if (mine.length > before) code = extractCode(mine[mine.length - 1].raw);
    else await sleep(200);
  }
  if (!code) throw new Error('no sign-in code arrived');
  await page.fill('#code-form input[name=code]', code);
  await page.click('#code-form button[type=submit]');
  await page.waitForURL(`${base}/dashboard`);

  step = 'dashboard';
  const entities = (await page.locator('section.entity-data > h2').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  const categories = (await page.locator('#entity-claranet-benelux h3').allTextContents()).map((t) => t.trim());
  if (!entities.some((e) => e.startsWith('Claranet Benelux B.V.')) || !entities.some((e) => e.startsWith('Claranet Products B.V.'))) {
    throw new Error(`entities on the dashboard: ${JSON.stringify(entities)}`);
  }
  if (categories.length < 3) throw new Error(`categories: ${JSON.stringify(categories)}`);
  steps.dashboard = { entities, categories };
  await page.screenshot({ path: path.join(outDir, 'dashboard.png'), fullPage: true });

  step = 'recipients';
  await page.click('nav.portal-nav >> text=Who received it');
  await page.waitForURL(`${base}/recipients`);
  steps.recipients = (await page.locator('section.recipient h2').allTextContents()).map((t) => t.trim());
  if (!steps.recipients.includes('Factuurlink B.V.')) throw new Error(`recipients: ${JSON.stringify(steps.recipients)}`);

  step = 'preferences';
  await page.click('nav.portal-nav >> text=Marketing choices');
  await page.waitForURL(`${base}/preferences`);
  const row = page.locator('#pref-claranet-benelux-sms');
  const stateBefore = (await row.locator('td.state').textContent()).trim();
  await Promise.all([page.waitForNavigation(), row.locator('button[type=submit]').click()]);
  await page.reload();
  const stateAfter = (await page.locator('#pref-claranet-benelux-sms td.state').textContent()).trim();
  const newest = (await page.locator('table.history tbody tr').first().textContent()).replace(/\s+/g, ' ').trim();
  steps.preferences = { before: stateBefore, after: stateAfter, newest };
  if (stateBefore !== 'Yes' || stateAfter !== 'No' || !/SMS/.test(newest) || !/withdrawn/.test(newest)) {
    throw new Error(`preferences: ${JSON.stringify(steps.preferences)}`);
  }

  step = 'download';
  await page.goto(`${base}/download`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/download/export.json"]')]);
  const file = path.join(outDir, 'export.json');
  await download.saveAs(file);
  const doc = JSON.parse(await readFile(file, 'utf8'));
  const records = doc.entities.reduce((n, e) => n + e.records.length, 0);
  steps.download = { schema: doc.schema, records, entities: doc.entities.map((e) => e.key) };
  if (doc.schema !== 'privacy-portal.export.v1' || records < 10) throw new Error(`download: ${JSON.stringify(steps.download)}`);

  step = 'erasure';
  await page.goto(`${base}/requests`);
  await page.click('a[href="/requests/new/erasure"]');
  await page.waitForSelector('#request-form');
  await page.selectOption('#scope', 'all');
  await Promise.all([page.waitForNavigation(), page.click('#request-form button[type=submit]')]);
  const reference = (await page.textContent('#reference')).trim();
  const due = (await page.textContent('#due')).trim();
  steps.erasure = { url: page.url(), reference, due };
  if (!/^REQ-[0-9A-F]{8}$/.test(reference) || !/\d{4}$/.test(due)) throw new Error(`erasure: ${JSON.stringify(steps.erasure)}`);
  const statusPath = new URL(page.url()).pathname;

  step = 'axe';
  const axeContext = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
  await axeContext.addCookies(await context.cookies());
  const axePage = await axeContext.newPage();
  const axeSource = await readFile(AXE_PATH, 'utf8');
  const pages = ['/', '/dashboard', '/data/claranet-benelux/usage', '/recipients', '/preferences', '/requests',
    '/requests/new/rectification', '/requests/new/objection', '/requests/new/restriction', statusPath, '/download',
    '/account', '/account/authenticator'];
  const axe = {};
  for (const p of pages) {
    await axePage.goto(`${base}${p}`);
    await axePage.addScriptTag({ content: axeSource });
    const result = await axePage.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    axe[p] = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target }));
  }
  // The signed-out pages too.
  const anonymous = await browser.newContext({ bypassCSP: true, locale: 'nl-NL' });
  const anonymousPage = await anonymous.newPage();
  for (const p of ['/sign-in', '/sign-in/code', '/no-such-page']) {
    await anonymousPage.goto(`${base}${p}`);
    await anonymousPage.addScriptTag({ content: axeSource });
    const result = await anonymousPage.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    axe[`${p} (nl, signed out)`] = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target }));
  }

  step = 'done';
  await browser.close();
  await emit({ ok: true, steps, axe, cspViolations, consoleErrors });
  process.exit(0);
}

setTimeout(() => fail(new Error('overall timeout 120 s')), 120_000);
main().catch(fail);
