// Reading sign-in codes out of raw mail, shared by the browser scripts.
// Minimal MIME handling (mailparser can't be installed here).

function splitHeadersBody(text) {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { headers: text, body: '' };
  return { headers: text.slice(0, m.index), body: text.slice(m.index + m[0].length) };
}

function parseHeaders(block) {
  const out = {};
  for (const line of block.replace(/\r?\n(?=[ \t])/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const name = line.slice(0, i).trim().toLowerCase();
      if (!(name in out)) out[name] = line.slice(i + 1).trim();
    }
  }
  return out;
}

function headerParam(value, param) {
  const re = new RegExp(`;\\s*${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value || '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeBytes(bytes, charset) {
  try {
    return new TextDecoder((charset || 'utf-8').toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export function decodeQuotedPrintable(text, charset) {
  const s = text.replace(/=\r?\n/g, ''); // soft line breaks
  const bytes = [];
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return decodeBytes(Uint8Array.from(bytes), charset);
}

function decodeBody(body, headers) {
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase().trim();
  const charset = headerParam(headers['content-type'], 'charset');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body, charset);
  if (cte === 'base64') return decodeBytes(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  return body;
}

/** Leaf parts of a MIME entity, in order: [{ type, text }] (text decoded). */
export function mimeLeaves(text) {
  const { headers: hb, body } = splitHeadersBody(text);
  const headers = parseHeaders(hb);
  const ctype = (headers['content-type'] || 'text/plain').split(';')[0].trim().toLowerCase();
  if (ctype.startsWith('multipart/')) {
    const boundary = headerParam(headers['content-type'], 'boundary');
    if (!boundary) return [];
    const lines = body.split(/\r?\n/);
    const parts = [];
    let current = null;
    for (const line of lines) {
      const t = line.replace(/[ \t]+$/, '');
      if (t === `--${boundary}--`) {
        if (current) parts.push(current.join('\r\n'));
        current = null;
        break;
      }
      if (t === `--${boundary}`) {
        if (current) parts.push(current.join('\r\n'));
        current = [];
      } else if (current) {
        current.push(line);
      }
    }
    if (current) parts.push(current.join('\r\n'));
    return parts.flatMap((p) => mimeLeaves(p));
  }
  return [{ type: ctype, text: decodeBody(body, headers) }];
}

export function extractCode(raw) {
  const leaves = mimeLeaves(raw);
  const plain = leaves.find((l) => l.type === 'text/plain');
  const html = leaves.find((l) => l.type === 'text/html');
  const text = plain ? plain.text
    : html ? html.text.replace(/<[^>]*>/g, ' ') // fallback: no text/plain part at all
      : '';
  const m = /(?<!\d)\d{6}(?!\d)/.exec(text);
  return m ? m[0] : null;
}


/** Messages the SMTP test server holds for `email`. */
export async function messagesFor(api, email) {
  const res = await fetch(`${api}/messages`);
  if (!res.ok) throw new Error(`GET ${api}/messages -> ${res.status}`);
  const all = await res.json();
  return all.filter((m) => (m.rcptTo || []).some((r) => r.toLowerCase() === email.toLowerCase()));
}
