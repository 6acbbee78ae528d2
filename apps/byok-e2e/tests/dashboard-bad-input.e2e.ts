import {
  canaryKey,
  findLeaks,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import { CONFIG_PATH, type ErrorBody, storageOf } from './dashboard-state';

// Planted in every bad request; no fragment of it may come back.
const KEY = canaryKey('sk-bad-input-');

// A tenant with an OpenAI key stored, and one never configured.
const CONFIGURED = 'bad-input-configured';
const FRESH = 'bad-input-fresh';

interface BadInputCase {
  name: string;
  /** A JSON body, or the raw bytes when the case is about the encoding itself. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  tenant?: string;
  status: number;
  code: string;
  /** What the message must name: the field at fault, or the body. */
  names: string;
}

function config(fields: Record<string, unknown>): { providerConfig: Record<string, unknown> } {
  return { providerConfig: fields };
}

function azure(endpoint: string): { providerConfig: Record<string, unknown> } {
  return config({
    mode: 'byok',
    azure_openai_endpoint: endpoint,
    azure_openai_key: KEY,
    azure_openai_deployment_id: 'gpt-4o',
  });
}

const ENDPOINT = 'providerConfig.azure_openai_endpoint';
const OPENAI_KEY = 'providerConfig.openai_api_key';

// One row per fault; add a row for each new one found.
const CASES: BadInputCase[] = [
  // The encoding of the body.
  {
    name: 'malformed JSON',
    rawBody: `{"providerConfig":{"mode":"byok","openai_api_key":"${KEY}"`,
    status: 400,
    code: 'malformed_json',
    names: 'JSON',
  },
  {
    name: 'JSON with a trailing comma',
    rawBody: `{"providerConfig":{"openai_api_key":"${KEY}",}}`,
    status: 400,
    code: 'malformed_json',
    names: 'JSON',
  },
  { name: 'an empty JSON body', rawBody: '', status: 400, code: 'malformed_json', names: 'body' },
  {
    name: 'a prototype-polluting key',
    rawBody: `{"providerConfig":{"__proto__":{"openai_api_key":"${KEY}"}}}`,
    status: 400,
    code: 'malformed_json',
    names: 'JSON',
  },
  {
    name: 'a body that is not JSON',
    rawBody: `openai_api_key=${KEY}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
    names: 'application/json',
  },
  {
    name: 'a body over 64 KiB',
    rawBody: JSON.stringify(config({ mode: 'byok', openai_api_key: KEY, pad: 'x'.repeat(70_000) })),
    status: 413,
    code: 'payload_too_large',
    names: '64 KiB',
  },

  // The shape of the body.
  {
    name: 'a JSON array',
    body: [config({ mode: 'byok' })],
    status: 400,
    code: 'invalid_request',
    names: 'body',
  },
  { name: 'a JSON string', body: KEY, status: 400, code: 'invalid_request', names: 'body' },
  {
    name: 'no providerConfig',
    body: { openai_api_key: KEY },
    status: 400,
    code: 'unknown_field',
    names: 'openai_api_key',
  },
  {
    name: 'an empty object',
    body: {},
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig',
  },
  {
    name: 'providerConfig a string',
    body: { providerConfig: KEY },
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig',
  },
  {
    name: 'providerConfig an array',
    body: { providerConfig: [KEY] },
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig',
  },
  {
    name: 'providerConfig null',
    body: { providerConfig: null },
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig',
  },
  {
    name: 'providerConfig a number',
    body: { providerConfig: 1 },
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig',
  },
  {
    name: 'providerConfig empty',
    body: config({}),
    status: 400,
    code: 'empty_patch',
    names: 'providerConfig',
  },

  // Unknown fields, anywhere.
  {
    name: 'the misspelt openai_apikey',
    body: config({ mode: 'byok', openai_apikey: KEY }),
    status: 400,
    code: 'unknown_field',
    names: 'openai_apikey',
  },
  {
    name: 'a camel-cased openaiApiKey',
    body: config({ mode: 'byok', openaiApiKey: KEY }),
    status: 400,
    code: 'unknown_field',
    names: 'openaiApiKey',
  },
  {
    name: 'a valid field beside an unknown one',
    body: config({ mode: 'byok', openai_api_key: KEY, azure_key: KEY }),
    status: 400,
    code: 'unknown_field',
    names: 'azure_key',
  },
  {
    name: 'a key pasted as a field name',
    body: config({ mode: 'byok', [KEY]: 'openai' }),
    status: 400,
    code: 'unknown_field',
    names: 'providerConfig',
  },
  {
    name: 'an unknown top-level field',
    body: { ...config({ mode: 'byok', openai_api_key: KEY }), tenant_id: 'someone-else' },
    status: 400,
    code: 'unknown_field',
    names: 'tenant_id',
  },
  {
    name: 'the view shape sent back',
    body: config({ mode: 'byok', openai: { configured: true, api_key: KEY } }),
    status: 400,
    code: 'unknown_field',
    names: 'openai',
  },

  // Wrong types.
  {
    name: 'a numeric key',
    body: config({ mode: 'byok', openai_api_key: 12345678 }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a boolean key',
    body: config({ mode: 'byok', anthropic_api_key: true }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.anthropic_api_key',
  },
  {
    name: 'an object key',
    body: config({ mode: 'byok', openai_api_key: { value: KEY } }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'an array key',
    body: config({ mode: 'byok', azure_openai_key: [KEY] }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_key',
  },
  {
    name: 'a numeric mode',
    body: config({ mode: 1, openai_api_key: KEY }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.mode',
  },
  {
    name: 'a numeric organization',
    body: config({ mode: 'byok', openai_api_key: KEY, openai_organization: 7 }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.openai_organization',
  },
  {
    name: 'a numeric endpoint',
    body: azure(443 as unknown as string),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },

  // Empty, blank and malformed strings.
  {
    name: 'an empty key',
    body: config({ mode: 'byok', openai_api_key: '' }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a whitespace key',
    body: config({ mode: 'byok', openai_api_key: '   ' }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a key with spaces around it',
    body: config({ mode: 'byok', openai_api_key: ` ${KEY} ` }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a key with a newline',
    body: config({ mode: 'byok', openai_api_key: `${KEY}\n` }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a key with a NUL',
    body: config({ mode: 'byok', anthropic_api_key: `${KEY}\u0000x` }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.anthropic_api_key',
  },
  {
    name: 'a key with DEL',
    body: config({ mode: 'byok', azure_openai_key: `${KEY}\u007f` }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_key',
  },
  {
    name: 'a key with a header break',
    body: config({ mode: 'byok', openai_api_key: `${KEY}\r\nX-Evil: 1` }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a key with non-ASCII',
    body: config({ mode: 'byok', openai_api_key: `${KEY}é` }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'a key over 512 characters',
    body: config({ mode: 'byok', openai_api_key: KEY + 'k'.repeat(513) }),
    status: 400,
    code: 'invalid_field',
    names: OPENAI_KEY,
  },
  {
    name: 'an empty organization',
    body: config({ mode: 'byok', openai_organization: '' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.openai_organization',
  },
  {
    name: 'a blank organization',
    body: config({ mode: 'byok', openai_organization: ' \t ' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.openai_organization',
  },
  {
    name: 'an empty deployment id',
    body: config({ mode: 'byok', azure_openai_deployment_id: '' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_deployment_id',
  },
  {
    name: 'a deployment id with a path',
    body: config({ mode: 'byok', azure_openai_deployment_id: 'gpt-4o/../x' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_deployment_id',
  },
  {
    name: 'an empty endpoint',
    body: azure(''),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'a blank endpoint',
    body: azure('   '),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },

  // Modes.
  {
    name: 'an unknown mode',
    body: config({ mode: 'managed', openai_api_key: KEY }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.mode',
  },
  {
    name: 'an upper-case mode',
    body: config({ mode: 'BYOK', openai_api_key: KEY }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.mode',
  },
  {
    name: 'a null mode',
    body: config({ mode: null, openai_api_key: KEY }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.mode',
  },
  {
    name: 'a revert that also sets a key',
    body: config({ mode: 'liya_managed', openai_api_key: KEY }),
    status: 400,
    code: 'conflicting_fields',
    names: 'providerConfig.mode',
  },
  {
    name: 'a key for a tenant in managed mode, without mode',
    body: config({ openai_api_key: KEY }),
    tenant: FRESH,
    status: 400,
    code: 'byok_mode_required',
    names: 'providerConfig.mode',
  },

  // Provider rules after the merge.
  {
    name: 'removing the only usable provider',
    body: config({ openai_api_key: null }),
    status: 422,
    code: 'no_usable_provider',
    names: 'provider',
  },
  {
    name: 'byok with no provider at all',
    body: config({ mode: 'byok' }),
    tenant: FRESH,
    status: 422,
    code: 'no_usable_provider',
    names: 'provider',
  },
  {
    name: 'Azure without a deployment id',
    body: config({
      mode: 'byok',
      azure_openai_endpoint: 'https://acme.openai.azure.com/',
      azure_openai_key: KEY,
    }),
    tenant: FRESH,
    status: 422,
    code: 'no_usable_provider',
    names: 'deployment',
  },
  {
    name: 'Azure without a key',
    body: config({
      mode: 'byok',
      azure_openai_endpoint: 'https://acme.openai.azure.com/',
      azure_openai_deployment_id: 'gpt-4o',
    }),
    tenant: FRESH,
    status: 422,
    code: 'no_usable_provider',
    names: 'key',
  },

  // Azure endpoints that could reach another host, or not Azure at all.
  {
    name: 'endpoint over plain http',
    body: azure('http://acme.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with another scheme',
    body: azure('ftp://acme.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint that is not a URL',
    body: azure('acme.openai.azure.com'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint on a non-Azure host',
    body: azure('https://api.example.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint on the bare Azure suffix',
    body: azure('https://openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with Azure as a subdomain',
    body: azure('https://acme.openai.azure.com.example.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a look-alike suffix',
    body: azure('https://acmeopenai.azure.com.evil/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with user info',
    body: azure('https://user:pass@acme.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with @ before an Azure name',
    body: azure('https://acme.openai.azure.com@example.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a query',
    body: azure('https://acme.openai.azure.com/?api-version=1'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a fragment',
    body: azure('https://acme.openai.azure.com/#frag'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with # before an Azure name',
    body: azure('https://example.com#.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a backslash',
    body: azure('https://example.com\\.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a percent-escaped dot',
    body: azure('https://acme%2eopenai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a percent-escaped slash',
    body: azure('https://example.com%2f.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a space in the host',
    body: azure('https://acme .openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a tab in the host',
    body: azure('https://exam\tple.openai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a full-width dot',
    body: azure('https://example.com\uff0eopenai.azure.com/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a trailing-dot host',
    body: azure('https://acme.openai.azure.com./'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint with a path',
    body: azure('https://acme.openai.azure.com/openai/deployments/x'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint on an IP address',
    body: azure('https://10.0.0.1/'),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },
  {
    name: 'endpoint over 2048 characters',
    body: azure(`https://${'a'.repeat(2048)}.openai.azure.com/`),
    status: 400,
    code: 'invalid_field',
    names: ENDPOINT,
  },

  // Regions.
  {
    name: 'an unknown region',
    body: config({ mode: 'byok', azure_openai_region: 'mars-north-1' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_region',
  },
  {
    name: 'a display-name region',
    body: config({ mode: 'byok', azure_openai_region: 'East US' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_region',
  },
  {
    name: 'an empty region',
    body: config({ mode: 'byok', azure_openai_region: '' }),
    status: 400,
    code: 'invalid_field',
    names: 'providerConfig.azure_openai_region',
  },

  // Headers.
  {
    name: 'a malformed If-Match',
    body: config({ mode: 'byok', anthropic_api_key: KEY }),
    headers: { 'if-match': 'yesterday' },
    status: 400,
    code: 'invalid_if_match',
    names: 'If-Match',
  },
];

describe('bad input to PATCH /dashboard/account/config', () => {
  let fixture: SystemFixture;
  let storedBefore: string;

  beforeAll(async () => {
    fixture = await startSystemFixture();

    const seeded = await fixture.request('PATCH', CONFIG_PATH, {
      token: fixture.tokenFor({ tenantId: CONFIGURED }),
      body: config({ mode: 'byok', openai_api_key: canaryKey('sk-seed-') }),
    });

    expect(seeded.status).toBe(200);

    storedBefore = await storageOf(fixture);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))(
    'answers %s with a clear 4xx, stores nothing and emits no event',
    async (_name, testCase) => {
      const headers: Record<string, string> = { ...testCase.headers };
      if (testCase.rawBody !== undefined) headers['content-type'] ??= 'application/json';

      const response = await fixture.request('PATCH', CONFIG_PATH, {
        token: fixture.tokenFor({ tenantId: testCase.tenant ?? CONFIGURED, plan: 'enterprise' }),
        headers,
        ...(testCase.rawBody !== undefined ? { rawBody: testCase.rawBody } : {}),
        ...(testCase.body !== undefined ? { body: testCase.body } : {}),
      });
      const error = response.json() as ErrorBody;

      expect({ status: response.status, code: error.code }).toEqual({
        status: testCase.status,
        code: testCase.code,
      });
      expect(error.message).toContain(testCase.names);
      expect(error.requestId).toBe(response.headers.get('x-request-id'));

      const echoed = findLeaks(
        [{ where: 'response', text: JSON.stringify([...response.headers]) + response.text }],
        [KEY],
      );

      expect(echoed).toEqual([]);

      expect(await storageOf(fixture)).toBe(storedBefore);
    },
  );

  it('left the seeded configuration and its single audit event untouched', async () => {
    const rows = await fixture.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM byok_config.outbox_events`,
    );

    expect(rows).toEqual([{ tenant_id: CONFIGURED }]);
  });
});
