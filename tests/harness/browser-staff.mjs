// Headless-Chromium walk-through of the staff console, as a support agent uses it on
// the phone with a customer, plus an axe-core scan of the staff pages.
//
//   node browser-staff.mjs <portal-base-url> <smtp-api-url> <agent-email> <customer-email>
//
// Steps (CSP enforced):
//   sign-in   /staff/sign-in: e-mailed code, then enrol the authenticator app (RFC 6238
//             from the secret on the page; PORTAL_NOW gives the portal's clock)
//   find      search the customer's address; the hit shows a masked address only
//   verify    "Send verification code"; the code the customer received (read from the
//             SMTP server) is typed in, as they would read it out on the phone
//   act       on the customer's preferences, switch SMS for Claranet Benelux B.V. off,
//             with a reason
//   stop      end the assisted session
// Then axe-core on /staff, the search results, and (in a second assisted session) the
// customer's dashboard and preferences as the agent sees them.
//
// Prints one JSON line {"ok": true, "steps": {...}, "axe": {...}, "cspViolations": [...]}.

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


async function nextCode(api, email, before, subjectPart) {
  for (let i = 0; i < 75; i += 1) {
    const mine = (await messagesFor(api, email)).slice(before);
    const hit = mine.find((m) => (m.subject || '').includes(subjectPart)) ?? (subjectPart ? null : mine[0]);
    if (hit) return extractCode(hit.raw);
    await sleep(200);
  }
  throw new Error(`no mail to ${email} about "${subjectPart}"`);
}

async function scan(axePage, axeSource, url) {
  await axePage.goto(url);
  await axePage.addScriptTag({ content: axeSource });
  const result = await axePage.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target }));
}

async function verifyCaller(p, base, api, customer) {
  await p.goto(`${base}/staff?q=${encodeURIComponent(customer)}`);
  const before = (await messagesFor(api, customer)).length;
  await Promise.all([p.waitForNavigation(), p.click('#search-results tbody tr button[type=submit]')]);
  const code = await nextCode(api, customer, before, 'verification code');
  await p.fill('#staff-verify-form input[name=code]', code);
  await Promise.all([p.waitForNavigation(), p.click('#staff-verify-form button[type=submit]')]);
  if (!p.url().endsWith('/dashboard')) throw new Error(`after verification: ${p.url()}`);
}

async function main() {
  const [baseArg, apiArg, agent, customer] = process.argv.slice(2);
  if (!baseArg || !apiArg || !agent || !customer) throw new Error('usage: node browser-staff.mjs <base> <smtp-api> <agent-email> <customer-email>');
  const base = baseArg.replace(/\/+$/, '');
  const api = apiArg.replace(/\/+$/, '');
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
  const before = (await messagesFor(api, agent)).length;
  await page.goto(`${base}/staff/sign-in`);
  await page.fill('#staff-sign-in-form input[name=email]', agent);
  await Promise.all([page.waitForNavigation(), page.click('#staff-sign-in-form button[type=submit]')]);
  const code = await nextCode(api, agent, before, 'sign-in code');
  await page.fill('#staff-code-form input[name=code]', code);
  await Promise.all([page.waitForNavigation(), page.click('#staff-code-form button[type=submit]')]);
  const secret = (await page.textContent('code.secret')).trim();
  await page.fill('#staff-authenticator-form input[name=code]', totp(base32Decode(secret), portalNow));
  await Promise.all([page.waitForNavigation(), page.click('#staff-authenticator-form button[type=submit]')]);
  await Promise.all([page.waitForNavigation(), page.click('a.button[href="/staff"]')]);
  steps.signIn = { url: page.url(), h1: (await page.textContent('h1')).trim() };

  step = 'find';
  await page.fill('#staff-search-form input[name=q]', customer);
  await Promise.all([page.waitForNavigation(), page.click('#staff-search-form button[type=submit]')]);
  const hit = await page.locator('#search-results tbody tr').first().locator('td').allTextContents();
  steps.find = { name: hit[0].trim(), email: hit[1].trim(), entities: hit[2].trim() };
  const dashboardBefore = await (await context.request.get(`${base}/dashboard`, { maxRedirects: 0 })).status();
  steps.find.dashboardBeforeVerification = dashboardBefore;

  step = 'verify';
  await verifyCaller(page, base, api, customer);
  steps.verify = { url: page.url(), banner: (await page.textContent('.assist-banner p')).replace(/\s+/g, ' ').trim() };

  step = 'act';
  await page.goto(`${base}/preferences`);
  const row = page.locator('#pref-claranet-benelux-sms');
  const before_state = (await row.locator('td.state').textContent()).trim();
  await row.locator('input[name=reason]').fill('Customer called and asked to stop SMS offers.');
  await Promise.all([page.waitForNavigation(), row.locator('button[type=submit]').click()]);
  await page.goto(`${base}/preferences`);
  const after_state = (await page.locator('#pref-claranet-benelux-sms td.state').textContent()).trim();
  steps.act = { before: before_state, after: after_state };

  step = 'stop';
  await Promise.all([page.waitForNavigation(), page.click('.assist-banner button[type=submit]')]);
  steps.stop = { url: page.url(), banner: await page.locator('.assist-banner').count() };

  step = 'axe';
  const axeContext = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
  await axeContext.addCookies(await context.cookies());
  const axePage = await axeContext.newPage();
  const axeSource = await readFile(AXE_PATH, 'utf8');
  const axe = {};
  axe['/staff'] = await scan(axePage, axeSource, `${base}/staff`);
  axe['/staff?q='] = await scan(axePage, axeSource, `${base}/staff?q=${encodeURIComponent(customer)}`);
  await verifyCaller(axePage, base, api, customer);
  axe['/dashboard (assisted)'] = await scan(axePage, axeSource, `${base}/dashboard`);
  axe['/preferences (assisted)'] = await scan(axePage, axeSource, `${base}/preferences`);

  await browser.close();
  await emit({ ok: true, steps, axe, cspViolations });
  process.exit(0);
}

setTimeout(() => fail(new Error('overall timeout 120 s')), 120_000);
main().catch(fail);
