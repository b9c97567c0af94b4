// SMTP sink for the portal's integration tests.
//
//   node smtp.mjs
//
// Listens for SMTP on 127.0.0.1:<random> (no STARTTLS, AUTH optional; any
// credentials are accepted if a client does authenticate) and serves a small
// HTTP API on 127.0.0.1:<random>. Once both listen it prints exactly one line:
//
//   {"smtp_port": N, "api_port": M}
//
// HTTP API:
//   GET    /messages   -> JSON array, arrival order:
//                         [{ mailFrom, rcptTo: [...], subject, raw, receivedAt }]
//                         (optional ?to=<addr> keeps only messages with that recipient)
//   DELETE /messages   -> clears the list, answers {"ok": true}
//   POST   /fail       -> body {"count": n, "code": 421}: the next n messages are
//                         rejected at the end of DATA with that code, then mail is
//                         accepted again. {"count": 0} cancels. Answers {"ok": true}.
//
// Environment (all optional):
//   SMTP_PORT, API_PORT      fixed ports instead of random ones (0 = random)
//   EXIT_ON_STDIN_CLOSE=1    exit when stdin reaches EOF (spawn with a piped stdin
//                            and the server dies with the test process)
//
// Exits cleanly (code 0) on SIGTERM / SIGINT.

import http from 'node:http';
import { SMTPServer } from 'smtp-server';

const HOST = '127.0.0.1';
const messages = [];
let failure = { count: 0, code: 421 };

// ---------------------------------------------------------------------------
// Header helpers (no mailparser available on this machine).

/** Header block of a raw RFC 5322 message (everything before the first empty line). */
function headerBlock(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? raw.slice(0, m.index) : raw;
}

/** Value of the first header `name` (unfolded), or undefined. */
function headerValue(raw, name) {
  const unfolded = headerBlock(raw).replace(/\r?\n(?=[ \t])/g, '');
  const re = new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im');
  const m = re.exec(unfolded);
  return m ? m[1].trim() : undefined;
}

function decodeCharset(bytes, charset) {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** RFC 2047 decoding of encoded-words (B and Q), joining adjacent words. */
export function decodeRfc2047(value) {
  if (!value) return value;
  const word = /=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g;
  // Whitespace between two adjacent encoded-words is not displayed (RFC 2047 §6.2).
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(word, (_all, charset, enc, text) => {
    let bytes;
    if (enc.toUpperCase() === 'B') {
      bytes = Buffer.from(text, 'base64');
    } else {
      const s = text.replace(/_/g, ' ');
      const out = [];
      for (let i = 0; i < s.length; i += 1) {
        if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
          out.push(parseInt(s.slice(i + 1, i + 3), 16));
          i += 2;
        } else {
          out.push(s.charCodeAt(i) & 0xff);
        }
      }
      bytes = Buffer.from(out);
    }
    return decodeCharset(bytes, charset);
  });
}

// ---------------------------------------------------------------------------
// SMTP

const smtp = new SMTPServer({
  name: 'smtp.test',
  banner: 'portal test SMTP sink',
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  logger: false,
  size: 25 * 1024 * 1024,
  onAuth(auth, _session, callback) {
    callback(null, { user: auth.username || 'anonymous' });
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      if (failure.count > 0) {
        failure.count -= 1;
        const err = new Error(`Test-injected failure (${failure.code}), ${failure.count} more to go`);
        err.responseCode = failure.code;
        callback(err);
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const rawSubject = headerValue(raw, 'Subject');
      messages.push({
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
        subject: rawSubject === undefined ? '' : decodeRfc2047(rawSubject),
        raw,
        receivedAt: new Date().toISOString(),
      });
      callback(null, 'OK: message queued');
    });
  },
});
smtp.on('error', (err) => {
  process.stderr.write(`smtp error: ${err && err.stack ? err.stack : err}\n`);
});

// ---------------------------------------------------------------------------
// HTTP API

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const api = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, `http://${HOST}`);
    if (url.pathname === '/messages' && req.method === 'GET') {
      const to = url.searchParams.get('to');
      const list = to
        ? messages.filter((m) => m.rcptTo.some((r) => r.toLowerCase() === to.toLowerCase()))
        : messages;
      sendJson(res, 200, list);
    } else if (url.pathname === '/messages' && req.method === 'DELETE') {
      messages.length = 0;
      sendJson(res, 200, { ok: true });
    } else if (url.pathname === '/fail' && req.method === 'POST') {
      const text = await readBody(req);
      let body;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        sendJson(res, 400, { ok: false, error: 'body must be JSON' });
        return;
      }
      const count = Number(body.count ?? 1);
      const code = Number(body.code ?? 421);
      if (!Number.isInteger(count) || count < 0 || !Number.isInteger(code) || code < 400 || code > 599) {
        sendJson(res, 400, { ok: false, error: 'count must be an integer >= 0, code an SMTP code 400..599' });
        return;
      }
      failure = { count, code };
      sendJson(res, 200, { ok: true });
    } else {
      sendJson(res, 404, { ok: false, error: `no route ${req.method} ${url.pathname}` });
    }
  } catch (err) {
    sendJson(res, 500, { ok: false, error: String(err && err.message ? err.message : err) });
  }
});

// ---------------------------------------------------------------------------
// Start / stop

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  const done = () => process.exit(0);
  // smtp-server.close waits for open connections (up to closeTimeout); don't hang.
  setTimeout(done, 1500).unref();
  let pending = 2;
  const one = () => { pending -= 1; if (pending === 0) done(); };
  smtp.close(one);
  api.close(one);
  api.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

try {
  const smtpPort = await listen(smtp.server, Number(process.env.SMTP_PORT || 0));
  const apiPort = await listen(api, Number(process.env.API_PORT || 0));
  process.stdout.write(`{"smtp_port": ${smtpPort}, "api_port": ${apiPort}}\n`);
} catch (err) {
  process.stderr.write(`smtp.mjs: cannot listen: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}
