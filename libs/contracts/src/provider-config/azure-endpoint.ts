/** Host suffixes that Azure OpenAI resources live under, in the public and sovereign clouds. */
export const AZURE_HOST_SUFFIXES = [
  '.openai.azure.com',
  '.cognitiveservices.azure.com',
  '.openai.azure.us',
  '.openai.azure.cn',
] as const;

export type EndpointVerdict = { ok: true; url: URL } | { ok: false; reason: string };

// Characters that let a string parse to a different host than a reader of it would expect:
// delimiters, escapes, and anything outside printable ASCII (spaces, controls, look-alike dots
// that URL parsing would silently map to ASCII).
const HOST_CONFUSING_CHARACTERS = /[#@\\%?]|[^\x21-\x7e]/;

/** Parses a comma-separated host allow list, as given in PROVIDER_HOST_ALLOWLIST. */
export function parseHostAllowlist(raw: string | undefined): string[] {
  if (!raw) return [];

  return raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host.length > 0);
}

/**
 * The checks that need no configuration: one plain absolute http(s) URL of a host, nothing else.
 * Request validation runs these; the host policy needs the allow list, see checkAzureEndpoint.
 */
export function checkEndpointShape(raw: string): EndpointVerdict {
  if (raw.length === 0) return { ok: false, reason: 'must not be empty' };

  if (HOST_CONFUSING_CHARACTERS.test(raw)) {
    return {
      ok: false,
      reason: 'must be printable ASCII without spaces, #, @, \\, % or ?',
    };
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'must use https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if (url.search || url.hash) return { ok: false, reason: 'must not contain a query or fragment' };
  if (url.pathname !== '/') return { ok: false, reason: 'must not contain a path' };

  return { ok: true, url };
}

/**
 * Accepts an Azure OpenAI endpoint only when it can reach nothing but an Azure OpenAI resource:
 * https, an Azure host (or one the operator allow-listed), no credentials, query or fragment.
 * Allow-listed hosts may use plain http, for local stand-ins.
 */
export function checkAzureEndpoint(raw: string, allowlist: readonly string[]): EndpointVerdict {
  const shape = checkEndpointShape(raw);
  if (!shape.ok) return shape;

  const { url } = shape;

  const host = url.hostname.toLowerCase();
  const hostWithPort = url.port ? `${host}:${url.port}` : host;
  const allowListed = allowlist.includes(host) || allowlist.includes(hostWithPort);

  if (url.protocol !== 'https:' && !(allowListed && url.protocol === 'http:')) {
    return { ok: false, reason: 'must use https' };
  }

  const azureHost = AZURE_HOST_SUFFIXES.some(
    (suffix) => host.endsWith(suffix) && host.length > suffix.length,
  );
  if (!azureHost && !allowListed) {
    return { ok: false, reason: 'must be an Azure OpenAI host' };
  }

  return { ok: true, url };
}
