// Headless-Chromium walk-through of the portal's e-mail sign-in, as a person does it.
//
//   node browser-email-sign-in.mjs <portal-base-url> <smtp-api-url> <email>
//
// e.g. node browser-email-sign-in.mjs http://127.0.0.1:18080 http://127.0.0.1:2580 alice@example.org
//
// Steps:
//   sign-in   goto <base>/sign-in, fill `#sign-in-form input[name=email]`,
//             click `#sign-in-form button[type=submit]`
//   code-page wait for `#code-form`
//   mail      poll <smtp-api>/messages (200 ms, up to 15 s) for a new message to
//             <email>; the code is the first standalone 6-digit number in the
//             body of its text/plain part (quoted-printable / base64 decoded)
//   code      fill `#code-form input[name=code]`, click `#code-form button[type=submit]`
//   dashboard wait for the URL <base>/dashboard, read the `h1`
//   inspect   localStorage / sessionStorage sizes, cookies, e-mail or code in any URL
//   screenshot full page to $SCREENSHOT if set
//
// Prints exactly one JSON line:
//   {"ok": true, "h1": "...", "url": "...", "localStorage": 0, "sessionStorage": 0,
//    "cookies": [{"name": "...", "httpOnly": true, "sameSite": "Lax", "secure": false}],
//    "secretInUrl": false}                      (+ "secretUrls": [...] when true)
// and exits 0, or
//   {"ok": false, "error": "...", "step": "...", "html": "<first 2000 chars of the page>"}
// and exits 1. Overall timeout 60 s.
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium), SCREENSHOT (optional path).

import { chromium } from 'playwright-core';
import { extractCode } from './mail.mjs';

const OVERALL_TIMEOUT_MS = 60_000;
const MAIL_TIMEOUT_MS = 15_000;
const MAIL_POLL_MS = 200;

let step = 'start';
let browser;
let page;
let finished = false;

function emit(obj) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(obj)}\n`, resolve));
}

async function fail(err) {
  if (finished) return;
  finished = true;
  let html = '';
  try {
    if (page) html = (await Promise.race([page.content(), sleep(3000).then(() => '')])).slice(0, 2000);
  } catch { /* page gone */ }
  // eslint-disable-next-line no-control-regex
  const error = String(err && err.message ? err.message : err).replace(/\u001b\[[0-9;]*m/g, '');
  await emit({ ok: false, error, step, html });
  try { await Promise.race([browser?.close(), sleep(3000)]); } catch { /* ignore */ }
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------

async function fetchMessages(api) {
  const res = await fetch(`${api}/messages`);
  if (!res.ok) throw new Error(`GET ${api}/messages -> ${res.status}`);
  return res.json();
}

const forRecipient = (msgs, email) => msgs.filter(
  (m) => (m.rcptTo || []).some((r) => r.toLowerCase() === email.toLowerCase()),
);

async function main() {
  const [baseArg, apiArg, email] = process.argv.slice(2);
  if (!baseArg || !apiArg || !email) {
    throw new Error('usage: node browser-email-sign-in.mjs <portal-base-url> <smtp-api-url> <email>');
  }
  const base = baseArg.replace(/\/+$/, '');
  const api = apiArg.replace(/\/+$/, '');

  step = 'mail-baseline';
  // Messages already there for this address don't count: we want the new one.
  const before = forRecipient(await fetchMessages(api), email).length;

  step = 'launch';
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const requestUrls = [];
  page.on('request', (r) => requestUrls.push(r.url()));

  step = 'sign-in';
  const response = await page.goto(`${base}/sign-in`);
  if (response && response.status() >= 400) {
    throw new Error(`GET ${base}/sign-in -> HTTP ${response.status()}`);
  }
  await page.fill('#sign-in-form input[name=email]', email);
  await page.click('#sign-in-form button[type=submit]');

  step = 'code-page';
  await page.waitForSelector('#code-form');

  step = 'mail';
  let code = null;
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  for (;;) {
    const mine = forRecipient(await fetchMessages(api), email);
    if (mine.length > before) {
      const msg = mine[mine.length - 1];
      code = extractCode(msg.raw);
      if (!code) throw new Error(`no 6-digit code in the text/plain part of the message "${msg.subject}"`);
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`no message to ${email} within ${MAIL_TIMEOUT_MS / 1000} s`);
    }
    await sleep(MAIL_POLL_MS);
  }

  step = 'code';
  await page.fill('#code-form input[name=code]', code);
  await page.click('#code-form button[type=submit]');

  step = 'dashboard';
  const dashboard = `${base}/dashboard`;
  await page.waitForURL((u) => u.href.split(/[?#]/)[0] === dashboard);
  const h1 = ((await page.textContent('h1')) || '').trim();

  step = 'inspect';
  const storage = await page.evaluate(() => ({
    localStorage: window.localStorage.length,
    sessionStorage: window.sessionStorage.length,
  }));
  const cookies = (await context.cookies()).map((c) => ({
    name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, secure: c.secure,
  }));
  const needles = [email, encodeURIComponent(email), code].map((s) => s.toLowerCase());
  const urls = [page.url(), ...requestUrls];
  const secretUrls = [...new Set(urls.filter((u) => {
    const l = u.toLowerCase();
    let decoded = l;
    try { decoded = decodeURIComponent(l); } catch { /* keep */ }
    return needles.some((n) => l.includes(n) || decoded.includes(n));
  }))];

  step = 'screenshot';
  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }

  step = 'done';
  const result = {
    ok: true,
    h1,
    url: page.url(),
    localStorage: storage.localStorage,
    sessionStorage: storage.sessionStorage,
    cookies,
    secretInUrl: secretUrls.length > 0,
  };
  if (secretUrls.length) result.secretUrls = secretUrls;
  finished = true;
  await browser.close();
  await emit(result);
  process.exit(0);
}

setTimeout(() => fail(new Error(`overall timeout ${OVERALL_TIMEOUT_MS / 1000} s`)), OVERALL_TIMEOUT_MS);
main().catch(fail);
