// OpenID provider for the portal's integration tests, built on oidc-provider 9.
//
//   REDIRECT_URIS=http://127.0.0.1:18080/auth/callback node oidc.mjs
//
// Environment:
//   REDIRECT_URIS              comma-separated redirect URIs of the client (required)
//   POST_LOGOUT_REDIRECT_URIS  comma-separated post-logout redirect URIs (optional)
//   CLIENT_ID                  default "portal"
//   CLIENT_SECRET              default "portal-secret"
//   PORT                       default 0 (random port)
//   EXIT_ON_STDIN_CLOSE=1      exit when stdin reaches EOF (spawn with a piped stdin
//                              and the provider dies with the test process)
//
// Once listening it prints exactly one line:  {"issuer": "http://127.0.0.1:N"}
// (oidc-provider's own dev warnings go to stderr).
//
// Client: client_secret_basic, authorization_code, response_type code, PKCE (S256)
// required. Signing key: an RSA key (RS256) generated at start.
//
// Accounts: the login typed on the dev login page (input[name=login]; any
// password) decides the account:
//   email           = the login if it contains '@', else `<login>@example.org`
//   sub             = login lower-cased, every char not in [a-z0-9] replaced by '-'
//   email_verified  = false if the login starts with "unverified" ("unverified:<address>"
//                     gives that address unverified), else true
//   name            = the login
// (The login form POST is rewritten on its way in so that oidc-provider's
// accountId, which it always uses as `sub`, is the sub above.)
// With default settings (conformIdTokenClaims) the ID token carries only `sub`
// (plus nonce, at_hash, ...) even with the email scope: email etc. come from the
// userinfo endpoint.
//
// Browser flow (devInteractions): login page input[name=login],
// input[name=password], button[type=submit]; then a consent page with
// button[type=submit].
//
// RP-initiated logout (end_session_endpoint = <issuer>/session/end):
//   GET <issuer>/session/end?id_token_hint=...&post_logout_redirect_uri=...&state=...
//   answers a page (served by logoutSource below) containing
//     <form id="logout-form" method="post" action="<issuer>/session/end/confirm">
//       <input type="hidden" name="xsrf" value="...">
//       <button type="submit" name="logout" value="yes" id="logout-yes">
//   plus a "No" button (#logout-no, no `logout` field). If the provider has no
//   signed-in session for that browser, it instead answers an auto-submitting
//   form with the same hidden inputs (xsrf, logout=yes).
//   A non-browser client confirms by keeping the cookies that GET set
//   (`_session`, `_session.sig`) and sending them with
//     POST <issuer>/session/end/confirm
//     Content-Type: application/x-www-form-urlencoded
//     xsrf=<value of the hidden xsrf input>&logout=yes
//   -> 303 See Other, Location: <post_logout_redirect_uri>?state=<state>
//   (or <issuer>/session/end/success when no valid post_logout_redirect_uri /
//   id_token_hint was given).
//
// Test hooks (same port):
//   POST /__test/next-token  {"mutate": X}  -> {"ok": true}
//     the NEXT token endpoint response that carries an id_token gets it replaced:
//       "signature": characters of the signature part flipped (invalid signature)
//       "audience":  re-signed (same key and header) with aud = "someone-else"
//       "issuer":    re-signed with iss = "http://evil.example"
//       "nonce":     re-signed with nonce = "not-the-nonce"
//       "expired":   re-signed with exp = now-600, iat = now-1200
//       "none":      replaced by an unsigned token (alg "none", empty signature)
//   POST /__test/reset  -> clears any pending mutation, {"ok": true}
//   GET  /__test/state  -> {"pending": X | null}
//
// Exits cleanly (code 0) on SIGTERM / SIGINT.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeProtectedHeader, decodeJwt } from 'jose';

// stdout carries exactly one line (the issuer); oidc-provider prints its
// NOTICEs with console.info, so send console.log/info to stderr.
console.log = console.error;
console.info = console.error;

const HOST = '127.0.0.1';
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);

const CLIENT_ID = process.env.CLIENT_ID || 'portal';
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'portal-secret';
const REDIRECT_URIS = list(process.env.REDIRECT_URIS);
const POST_LOGOUT_REDIRECT_URIS = list(process.env.POST_LOGOUT_REDIRECT_URIS);
const PORT = Number(process.env.PORT || 0);

if (REDIRECT_URIS.length === 0) {
  process.stderr.write('oidc.mjs: REDIRECT_URIS (comma-separated) is required\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Signing key

const KID = `test-${crypto.randomBytes(6).toString('hex')}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const privateJwk = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };

// ---------------------------------------------------------------------------
// Accounts
//
// oidc-provider always uses the accountId as `sub`, and devInteractions uses the
// typed login as accountId. So the login form POST is rewritten on its way in
// (loginToSub below): the login becomes its sub, and `logins` remembers which
// login a sub came from (the last one wins if two logins map to the same sub).

const logins = new Map(); // sub -> login as typed

const subFor = (login) => login.toLowerCase().replace(/[^a-z0-9]/g, '-');

// A login of the form "unverified:<address>" yields that address with
// email_verified = false, so tests can offer a registered address the provider does
// not vouch for.
// A login of the form "role:<role>:<address>" adds the staff role claim
// `portal_role: <role>` (for the staff identity provider).
function claimsFor(sub) {
  let typed = logins.get(sub) ?? sub;
  let role;
  const roleMatch = /^role:([a-z_]+):(.*)$/.exec(typed);
  if (roleMatch) {
    [, role, typed] = roleMatch;
  }
  const unverified = typed.startsWith('unverified');
  const login = typed.startsWith('unverified:') ? typed.slice('unverified:'.length) : typed;
  return {
    sub,
    email: login.includes('@') ? login : `${login}@example.org`,
    email_verified: !unverified,
    name: login,
    ...(role ? { portal_role: role } : {}),
  };
}

async function readText(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function loginToSub(ctx, next) {
  if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path)
      && ctx.is('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(await readText(ctx.req));
    const login = form.get('login');
    if (form.get('prompt') === 'login' && login) {
      const sub = subFor(login);
      logins.set(sub, login);
      form.set('login', sub);
    }
    // The stream is consumed; oidc-provider's body parser then falls back to
    // req.body (it warns once on stderr about an "already parsed request body").
    ctx.req.body = form.toString();
  }
  await next();
}

// ---------------------------------------------------------------------------
// Pages without external resources (the default ones import Google fonts)

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em auto;max-width:30em}button{margin:.3em}</style></head>
<body>
${body}
</body>
</html>`;

async function logoutSource(ctx, form) {
  // `form` is `<form id="op.logoutForm" method="post" action="..."><input type="hidden" name="xsrf" value="..."/></form>`
  const action = /action="([^"]*)"/.exec(form)?.[1] ?? ctx.oidc.urlFor('end_session_confirm');
  const xsrf = /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';
  ctx.type = 'html';
  ctx.body = page('Sign out', `<h1>Sign out from ${esc(ctx.host)}?</h1>
<form id="logout-form" method="post" action="${esc(action)}">
  <input type="hidden" name="xsrf" value="${esc(xsrf)}">
  <button type="submit" id="logout-yes" name="logout" value="yes">Yes, sign me out</button>
  <button type="submit" id="logout-no">No, stay signed in</button>
</form>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<h1 id="logout-success">Signed out</h1>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<h1>Error</h1><pre id="error">${esc(JSON.stringify(out, null, 2))}</pre>`);
}

// ---------------------------------------------------------------------------
// Token mutation for negative tests

const MUTATIONS = new Set(['signature', 'audience', 'issuer', 'nonce', 'expired', 'none']);
let pendingMutation = null;

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

async function mutateIdToken(idToken, mutation) {
  const [h, p, s] = idToken.split('.');
  if (mutation === 'signature') {
    // Change the first 8 characters of the signature (not the last one, whose
    // low bits may be padding): stays valid base64url, signature is wrong.
    const flipped = [...s].map((c, i) => (i < 8 ? (c === 'A' ? 'B' : 'A') : c)).join('');
    return `${h}.${p}.${flipped}`;
  }
  const header = decodeProtectedHeader(idToken);
  const payload = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  switch (mutation) {
    case 'audience': payload.aud = 'someone-else'; break;
    case 'issuer': payload.iss = 'http://evil.example'; break;
    case 'nonce': payload.nonce = 'not-the-nonce'; break;
    case 'expired': payload.exp = now - 600; payload.iat = now - 1200; break;
    case 'none': {
      const { kid: _kid, ...rest } = header;
      return `${b64url({ ...rest, alg: 'none' })}.${p}.`;
    }
    default: throw new Error(`unknown mutation ${mutation}`);
  }
  return new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
}

async function readJson(req) {
  const text = await readText(req);
  return text ? JSON.parse(text) : {};
}

function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = body;
}

async function testHooks(ctx, next) {
  if (ctx.path.startsWith('/__test/')) {
    if (ctx.method === 'POST' && ctx.path === '/__test/next-token') {
      let body;
      try {
        body = await readJson(ctx.req);
      } catch {
        json(ctx, 400, { ok: false, error: 'body must be JSON' });
        return;
      }
      if (!MUTATIONS.has(body.mutate)) {
        json(ctx, 400, { ok: false, error: `mutate must be one of ${[...MUTATIONS].join(', ')}` });
        return;
      }
      pendingMutation = body.mutate;
      json(ctx, 200, { ok: true });
    } else if (ctx.method === 'POST' && ctx.path === '/__test/reset') {
      pendingMutation = null;
      json(ctx, 200, { ok: true });
    } else if (ctx.method === 'GET' && ctx.path === '/__test/state') {
      json(ctx, 200, { pending: pendingMutation });
    } else {
      json(ctx, 404, { ok: false, error: `no test hook ${ctx.method} ${ctx.path}` });
    }
    return;
  }

  await next();

  if (pendingMutation && ctx.oidc?.route === 'token' && ctx.status === 200
      && ctx.body && typeof ctx.body === 'object' && typeof ctx.body.id_token === 'string') {
    const mutation = pendingMutation;
    pendingMutation = null;
    ctx.body = { ...ctx.body, id_token: await mutateIdToken(ctx.body.id_token, mutation) };
    process.stderr.write(`oidc.mjs: token response id_token mutated (${mutation})\n`);
  }
}

// ---------------------------------------------------------------------------
// Start: listen first (PORT may be 0), then build the provider with the real issuer.

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, HOST, () => { server.off('error', reject); resolve(); });
}).catch((err) => {
  process.stderr.write(`oidc.mjs: cannot listen: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
const issuer = `http://${HOST}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    ...(POST_LOGOUT_REDIRECT_URIS.length ? { post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS } : {}),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [privateJwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'portal_role'] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() { return claimsFor(id); },
    };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  pkce: { required: () => true },
  cookies: { keys: ['test-only-cookie-key-not-secret'] },
  renderError,
});
provider.use(testHooks);
provider.use(loginToSub);
provider.on('server_error', (_ctx, err) => {
  process.stderr.write(`oidc.mjs server_error: ${err && err.stack ? err.stack : err}\n`);
});

server.on('request', provider.callback());
process.stdout.write(`{"issuer": "${issuer}"}\n`);

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 1500).unref();
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
