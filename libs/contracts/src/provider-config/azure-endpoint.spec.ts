import { checkAzureEndpoint, checkEndpointShape, parseHostAllowlist } from './azure-endpoint';

const ALLOWLIST = parseHostAllowlist(' 127.0.0.1:4010 , Private.Example.net ');

describe('checkAzureEndpoint', () => {
  it.each([
    'https://acme.openai.azure.com/',
    'https://acme.openai.azure.com',
    'https://ACME.OpenAI.Azure.com/',
    'https://acme.cognitiveservices.azure.com/',
    'https://acme.openai.azure.us/',
    'https://acme.openai.azure.cn/',
    'http://127.0.0.1:4010',
    'https://private.example.net/',
    'http://private.example.net/',
  ])('accepts %s', (endpoint) => {
    expect(checkAzureEndpoint(endpoint, ALLOWLIST).ok).toBe(true);
  });

  it.each([
    ['', 'must not be empty'],
    ['http://acme.openai.azure.com/', 'must use https'],
    ['ftp://acme.openai.azure.com/', 'must use https'],
    ['acme.openai.azure.com', 'must be an absolute URL'],
    ['https://openai.azure.com/', 'must be an Azure OpenAI host'],
    ['https://acme.openai.azure.com.example.com/', 'must be an Azure OpenAI host'],
    ['https://acme.openai.azure.com./', 'must be an Azure OpenAI host'],
    ['http://127.0.0.1:4011/', 'must use https'],
    ['https://127.0.0.1/', 'must be an Azure OpenAI host'],
    ['https://user:pw@acme.openai.azure.com/', 'printable ASCII'],
    ['https://acme.openai.azure.com/?a=1', 'printable ASCII'],
    ['https://acme.openai.azure.com/#x', 'printable ASCII'],
    ['https://evil.com\\.openai.azure.com/', 'printable ASCII'],
    ['https://acme%2eopenai.azure.com/', 'printable ASCII'],
    ['https://acme .openai.azure.com/', 'printable ASCII'],
    ['https://evil.com\uff0eopenai.azure.com/', 'printable ASCII'],
    ['https://acme.openai.azure.com/openai', 'must not contain a path'],
  ])('refuses %j: %s', (endpoint, reason) => {
    const verdict = checkAzureEndpoint(endpoint, ALLOWLIST);

    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toContain(reason);
  });

  it('leaves the host decision out of the shape check', () => {
    expect(checkEndpointShape('https://api.example.com/').ok).toBe(true);
    expect(checkEndpointShape('https://api.example.com/v1').ok).toBe(false);
  });
});
