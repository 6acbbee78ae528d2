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

function azure(endpoint: unknown): Record<string, unknown> {
  return {
    azure_openai_endpoint: endpoint,
    azure_openai_key: KEY,
    azure_openai_deployment_id: 'd',
  };
}

/** A byok PATCH with one field at fault: 400 invalid_field, and the message names the field. */
function invalid(name: string, fields: Record<string, unknown>, field: string): BadInputCase {
  return {
    name,
    body: config({ mode: 'byok', ...fields }),
    status: 400,
    code: 'invalid_field',
    names: `providerConfig.${field}`,
  };
}

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
  { name: 'no body at all', status: 400, code: 'invalid_request', names: 'body' },
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
  invalid('a numeric key', { openai_api_key: 12345678 }, 'openai_api_key'),
  invalid('a boolean key', { anthropic_api_key: true }, 'anthropic_api_key'),
  invalid('an object key', { openai_api_key: { value: KEY } }, 'openai_api_key'),
  invalid('an array key', { azure_openai_key: [KEY] }, 'azure_openai_key'),
  invalid('a numeric mode', { mode: 1, openai_api_key: KEY }, 'mode'),
  invalid('a numeric organization', { openai_organization: 7 }, 'openai_organization'),
  invalid(
    'a numeric deployment id',
    { azure_openai_deployment_id: 4 },
    'azure_openai_deployment_id',
  ),
  invalid('a numeric region', { azure_openai_region: 1 }, 'azure_openai_region'),

  // Empty, blank and malformed strings.
  invalid('an empty key', { openai_api_key: '' }, 'openai_api_key'),
  invalid('a whitespace key', { openai_api_key: '   ' }, 'openai_api_key'),
  invalid('a key with spaces around it', { openai_api_key: ` ${KEY} ` }, 'openai_api_key'),
  invalid('a key with a newline', { openai_api_key: `${KEY}\n` }, 'openai_api_key'),
  invalid('a key with a NUL', { anthropic_api_key: `${KEY}\u0000x` }, 'anthropic_api_key'),
  invalid('a key with DEL', { azure_openai_key: `${KEY}\u007f` }, 'azure_openai_key'),
  invalid('a key with a header break', { openai_api_key: `${KEY}\r\nX-Evil: 1` }, 'openai_api_key'),
  invalid('a key with non-ASCII', { openai_api_key: `${KEY}é` }, 'openai_api_key'),
  invalid('a key over 512 characters', { openai_api_key: KEY + 'k'.repeat(513) }, 'openai_api_key'),
  invalid('an empty organization', { openai_organization: '' }, 'openai_organization'),
  invalid('a blank organization', { openai_organization: ' \t ' }, 'openai_organization'),
  invalid(
    'an empty deployment id',
    { azure_openai_deployment_id: '' },
    'azure_openai_deployment_id',
  ),
  invalid(
    'a deployment id with a path',
    { azure_openai_deployment_id: 'gpt/../x' },
    'azure_openai_deployment_id',
  ),
  invalid('an unknown region', { azure_openai_region: 'mars-north-1' }, 'azure_openai_region'),
  invalid('a display-name region', { azure_openai_region: 'East US' }, 'azure_openai_region'),
  invalid('an empty region', { azure_openai_region: '' }, 'azure_openai_region'),
  invalid('an unknown mode', { mode: 'managed', openai_api_key: KEY }, 'mode'),
  invalid('an upper-case mode', { mode: 'BYOK', openai_api_key: KEY }, 'mode'),
  invalid('a null mode', { mode: null, openai_api_key: KEY }, 'mode'),

  // Modes.
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

  // Azure endpoints that could reach another host, or are not Azure at all.
  ...(
    [
      ['an empty endpoint', ''],
      ['a blank endpoint', '   '],
      ['a numeric endpoint', 443],
      ['an endpoint over plain http', 'http://acme.openai.azure.com/'],
      ['an endpoint with another scheme', 'ftp://acme.openai.azure.com/'],
      ['an endpoint that is not a URL', 'acme.openai.azure.com'],
      ['an endpoint on a non-Azure host', 'https://api.example.com/'],
      ['an endpoint on the bare Azure suffix', 'https://openai.azure.com/'],
      ['an endpoint with Azure as a subdomain', 'https://acme.openai.azure.com.example.com/'],
      ['an endpoint with a look-alike suffix', 'https://acmeopenai.azure.com.evil/'],
      ['an endpoint with user info', 'https://user:pass@acme.openai.azure.com/'],
      ['an endpoint with @ before an Azure name', 'https://acme.openai.azure.com@example.com/'],
      ['an endpoint with a query', 'https://acme.openai.azure.com/?api-version=1'],
      ['an endpoint with a fragment', 'https://acme.openai.azure.com/#frag'],
      ['an endpoint with # before an Azure name', 'https://example.com#.openai.azure.com/'],
      ['an endpoint with a backslash', 'https://example.com\\.openai.azure.com/'],
      ['an endpoint with a percent-escaped dot', 'https://acme%2eopenai.azure.com/'],
      ['an endpoint with a percent-escaped slash', 'https://example.com%2f.openai.azure.com/'],
      ['an endpoint with a space in the host', 'https://acme .openai.azure.com/'],
      ['an endpoint with a tab in the host', 'https://exam\tple.openai.azure.com/'],
      ['an endpoint with a full-width dot', 'https://example.com\uff0eopenai.azure.com/'],
      ['an endpoint with a trailing-dot host', 'https://acme.openai.azure.com./'],
      ['an endpoint with a path', 'https://acme.openai.azure.com/openai/deployments/x'],
      ['an endpoint on an IP address', 'https://10.0.0.1/'],
      ['an endpoint on a loopback not allow-listed', 'http://127.0.0.1:1/'],
      ['an endpoint over 2048 characters', `https://${'a'.repeat(2048)}.openai.azure.com/`],
    ] as const
  ).map(([name, endpoint]) => invalid(name, azure(endpoint), 'azure_openai_endpoint')),

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

  it('answered only with error codes the OpenAPI document lists for the route', async () => {
    const document = (await fixture.request('GET', '/openapi.json')).json() as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { 'x-error-codes'?: string[] }> }>
      >;
    };
    const documented = Object.entries(document.paths[CONFIG_PATH]?.patch?.responses ?? {}).flatMap(
      ([status, response]) => (response['x-error-codes'] ?? []).map((code) => `${status} ${code}`),
    );

    const answered = new Set(CASES.map((testCase) => `${testCase.status} ${testCase.code}`));

    expect([...answered].filter((answer) => !documented.includes(answer))).toEqual([]);
  });

  it('left the seeded configuration and its single audit event untouched', async () => {
    const rows = await fixture.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM byok_config.outbox_events`,
    );

    expect(rows).toEqual([{ tenant_id: CONFIGURED }]);
  });
});
