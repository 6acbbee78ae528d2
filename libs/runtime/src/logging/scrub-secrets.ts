export const SCRUBBED = '[redacted]';

// Shapes that provider keys, bearer tokens and our ciphertexts take. A log line is scrubbed of all
// of them whatever field they hide in, so a key that reaches a message by accident is not written.
const KEY_PREFIXED = /\b(sk|pk|rk)-[A-Za-z0-9_-]{6,}/g;
const BEARER_TOKEN = /\bBearer\s+[^\s"',]+/gi;
const CIPHERTEXT = /\blbk1:[^\s"',]+/g;
const URL_PASSWORD = /\/\/([^:@/\s"']+):[^@/\s"']+@/g;
const LONG_TOKEN = /[A-Za-z0-9_-]{16,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A long run is taken for a secret when one of its parts mixes letters and digits over 16 or more
// characters: random keys do, while identifiers, paths and UUIDs do not.
function looksRandom(token: string): boolean {
  if (UUID.test(token)) return false;

  return token
    .split(/[-_]/)
    .some((part) => part.length >= 16 && /[0-9]/.test(part) && /[A-Za-z]/.test(part));
}

export function scrubSecrets(text: string): string {
  return text
    .replace(KEY_PREFIXED, SCRUBBED)
    .replace(BEARER_TOKEN, SCRUBBED)
    .replace(CIPHERTEXT, SCRUBBED)
    .replace(URL_PASSWORD, `//$1:${SCRUBBED}@`)
    .replace(LONG_TOKEN, (token) => (looksRandom(token) ? SCRUBBED : token));
}
