// Reads {"tokens": [...], "jwks": {...}, "context": {...}?} on standard input; verifies each token (a compact JWS)
// with the jose library against the JWK Set and prints, per token, {"ok": true, "header", "payload"} or
// {"ok": false, "error"}; with a context, also its canonical SHA-256 ("sha256:<hex>"): keys sorted, no whitespace.
import { createLocalJWKSet, compactVerify, decodeProtectedHeader } from 'jose';
import { createHash } from 'node:crypto';

function canonical(value) {
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const keys = createLocalJWKSet(input.jwks);
const results = [];
for (const token of input.tokens) {
  try {
    const { payload, protectedHeader } = await compactVerify(token, keys, { algorithms: ['ES256'] });
    results.push({ ok: true, header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload)) });
  } catch (e) {
    let header = null;
    try { header = decodeProtectedHeader(token); } catch (ignored) { /* not a JWS */ }
    results.push({ ok: false, error: `${e.code || e.name}: ${e.message}`, header });
  }
}
const out = { results };
if (input.context !== undefined) {
  out.context_sha256 = 'sha256:' + createHash('sha256').update(canonical(input.context), 'utf8').digest('hex');
}
process.stdout.write(JSON.stringify(out));
