// Headless-Chromium walk-through of the processor sub-portal, as a processor's
// employee uses it, plus an axe-core scan of its pages.
//
//   node browser-processor.mjs <portal-base-url> <smtp-api-url> <email> <reference>
//
// Steps (CSP enforced, as in production):
//   sign-in    /processor/sign-in, the e-mailed code through the real SMTP server
//   enrol      first sign-in: read the authenticator secret shown under the QR code,
//              compute the RFC 6238 code (SHA-1, 6 digits, 30 s) and enter it
//   recovery   the recovery codes page; continue to the inbox
//   inbox      list the open tasks (ids and actions)
//   detail     open the first task; its details name the identifiers it carries
//   confirm    confirm the first task with <reference> and a note on its page
//   bulk       tick every other open task and confirm them together
//   done       the "done" view lists every task, none is open any more
// Then axe-core runs on the inbox, a task page and the sign-in page.
//
// Prints one JSON line: {"ok": true, "steps": {...}, "axe": {...}, "cspViolations": [...]}
// and exits 0; on failure {"ok": false, "step": "...", "error": "...", "html": "..."}.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { extractCode, messagesFor } from './mail.mjs';
import { base32Decode, totp } from './totp.mjs';

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
  const [baseArg, apiArg, email, reference] = process.argv.slice(2);
  if (!baseArg || !apiArg || !email || !reference) throw new Error('usage: node browser-processor.mjs <base> <smtp-api> <email> <reference>');
  const base = baseArg.replace(/\/+$/, '');
  const api = apiArg.replace(/\/+$/, '');
  // The portal under test may run on a manual clock; PORTAL_NOW (unix seconds) says when.
  const portalNow = Number(process.env.PORTAL_NOW || Math.floor(Date.now() / 1000));
  const steps = {};

  step = 'launch';
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale: 'en-GB' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const cspViolations = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });

  step = 'sign-in';
  const before = (await messagesFor(api, email)).length;
  await page.goto(`${base}/processor/sign-in`);
  await page.fill('#processor-sign-in-form input[name=email]', email);
  await Promise.all([page.waitForNavigation(), page.click('#processor-sign-in-form button[type=submit]')]);
  let code = null;
  for (let i = 0; i < 75 && !code; i += 1) {
    const mine = await messagesFor(api, email);
    if (mine.length > before) code = extractCode(mine[mine.length - 1].raw);
    else await sleep(200);
  }
  if (!code) throw new Error('no sign-in code arrived');
  await page.fill('#processor-code-form input[name=code]', code);
  await Promise.all([page.waitForNavigation(), page.click('#processor-code-form button[type=submit]')]);

  step = 'enrol';
  if (!page.url().endsWith('/processor/sign-in/authenticator')) throw new Error(`after the code: ${page.url()}`);
  const secretText = (await page.textContent('code.secret')).trim();
  const qr = await page.locator('img.qr').count();
  await page.fill('#processor-authenticator-form input[name=code]', totp(base32Decode(secretText), portalNow));
  await Promise.all([page.waitForNavigation(), page.click('#processor-authenticator-form button[type=submit]')]);
  steps.enrol = { qr, secretLength: secretText.length };

  step = 'recovery';
  const recoveryCodes = await page.locator('ul.recovery-codes li').count();
  if (recoveryCodes < 5) throw new Error(`recovery codes: ${recoveryCodes} at ${page.url()}`);
  await Promise.all([page.waitForNavigation(), page.click('a.button[href="/processor"]')]);
  steps.recovery = { codes: recoveryCodes };

  step = 'inbox';
  const organisation = (await page.textContent('h1 .trade-name')).replace(/^[\s—-]+/, '').trim();
  const open = await page.locator('table.tasks tbody tr').evaluateAll((rows) => rows.map((r) => ({
    id: r.id.replace(/^task-/, ''),
    action: r.children[2].textContent.trim(),
    entity: r.children[3].textContent.trim(),
  })));
  if (open.length < 2) throw new Error(`want at least two open tasks to show single and bulk confirmation, got ${JSON.stringify(open)}`);
  steps.inbox = { organisation, open };

  step = 'detail';
  const first = open[0].id;
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/processor/tasks/${first}"]`)]);
  const details = await page.locator('dl.summary dt').allTextContents();
  steps.detail = { details: details.map((d) => d.trim()) };
  const taskPath = `/processor/tasks/${first}`;

  step = 'confirm';
  await page.fill('#confirm-form input[name=reference]', reference);
  await page.fill('#confirm-form textarea[name=note]', 'Removed from our CRM and its backups schedule.');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-form button[type=submit]')]);
  steps.confirm = { url: page.url() };

  step = 'bulk';
  await page.goto(`${base}/processor?view=open`);
  const boxes = page.locator('table.tasks tbody input[type=checkbox]');
  const remaining = await boxes.count();
  for (let i = 0; i < remaining; i += 1) await boxes.nth(i).check();
  await Promise.all([page.waitForNavigation(), page.click('#bulk-form button[type=submit]')]);
  steps.bulk = { selected: remaining, url: page.url() };

  step = 'done';
  await page.goto(`${base}/processor?view=open`);
  const stillOpen = await page.locator('table.tasks tbody tr').count();
  await page.goto(`${base}/processor?view=done`);
  const done = await page.locator('table.tasks tbody tr').evaluateAll((rows) => rows.map((r) => r.id.replace(/^task-/, '')));
  steps.done = { stillOpen, done };

  step = 'axe';
  const axeContext = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
  await axeContext.addCookies(await context.cookies());
  const axePage = await axeContext.newPage();
  const axeSource = await readFile(AXE_PATH, 'utf8');
  const axe = {};
  for (const p of ['/processor?view=done', taskPath, '/processor/sign-in']) {
    await axePage.goto(`${base}${p}`);
    await axePage.addScriptTag({ content: axeSource });
    const result = await axePage.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    axe[p] = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target }));
  }

  await browser.close();
  await emit({ ok: true, steps, axe, cspViolations });
  process.exit(0);
}

setTimeout(() => fail(new Error('overall timeout 120 s')), 120_000);
main().catch(fail);
