/** Host suffixes that Azure OpenAI resources live under, in the public and sovereign clouds. */
export const AZURE_HOST_SUFFIXES = [
  '.openai.azure.com',
  '.cognitiveservices.azure.com',
  '.openai.azure.us',
  '.openai.azure.cn',
] as const;

export type EndpointVerdict = { ok: true; url: URL } | { ok: false; reason: string };

// Characters that let a string parse to a different host than a reader of it would expect.
const HOST_CONFUSING_CHARACTERS = /[\s#@\\%?]|[\u0000-\u001f\u007f]/;

/** Parses a comma-separated host allow list, as given in PROVIDER_HOST_ALLOWLIST. */
export function parseHostAllowlist(raw: string | undefined): string[] {
  if (!raw) return [];

  return raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host.length > 0);
}

/**
 * Accepts an Azure OpenAI endpoint only when it can reach nothing but an Azure OpenAI resource:
 * https, an Azure host (or one the operator allow-listed), no credentials, query or fragment.
 * Allow-listed hosts may use plain http, for local stand-ins.
 */
export function checkAzureEndpoint(raw: string, allowlist: readonly string[]): EndpointVerdict {
  if (HOST_CONFUSING_CHARACTERS.test(raw)) {
    return { ok: false, reason: 'must not contain spaces, control characters, #, @, \\, % or ?' };
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }

  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if (url.search || url.hash) return { ok: false, reason: 'must not contain a query or fragment' };

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

  if (url.pathname !== '/' && url.pathname !== '') {
    return { ok: false, reason: 'must not contain a path' };
  }

  return { ok: true, url };
}
