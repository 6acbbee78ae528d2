import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

import { PLANS, ROLES } from '@liya/contracts';
import {
  type DashboardTokenClaims,
  mintAsymmetricDashboardToken,
  mintDashboardToken,
} from '@liya/dev-kit';

import { canaryKey, startSystemFixture, type SystemFixture } from '../support/system-fixture';
import { CONFIG_PATH, type ErrorBody, storageOf } from './dashboard-state';

type Algorithm = 'HS256' | 'RS256' | 'ES256';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs any header and payload by hand, to make the tokens a real identity service never would. */
function handMadeToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: (data: string) => Buffer,
): string {
  const data = `${base64url(header)}.${base64url(payload)}`;

  return `${data}.${signer(data).toString('base64url')}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);

  return {
    sub: 'user-1',
    tenant_id: 'jwt-tenant',
    role: 'owner',
    plan: 'growth',
    iss: 'liya-dashboard',
    aud: 'liya-engine',
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

const hmac = (secret: string | Buffer) => (data: string) =>
  createHmac('sha256', secret).update(data).digest();
const rsa = (key: KeyObject) => (data: string) => sign('sha256', Buffer.from(data), key);
const ecdsa = (key: KeyObject) => (data: string) =>
  sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' });
const unsigned = () => Buffer.alloc(0);

const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherRsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherEcPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPublicPem = rsaPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPublicPem = ecPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A correctly signed token for the algorithm the gateway was configured with. */
function validSigner(algorithm: Algorithm, jwtSecret: string): (data: string) => Buffer {
  if (algorithm === 'RS256') return rsa(rsaPair.privateKey);
  if (algorithm === 'ES256') return ecdsa(ecPair.privateKey);

  return hmac(jwtSecret);
}

/** Tokens that must never pass, whatever the configured algorithm. */
function forgedTokens(algorithm: Algorithm, jwtSecret: string): Array<[string, string]> {
  const header = { alg: algorithm, typ: 'JWT' };
  const good = validSigner(algorithm, jwtSecret);
  const now = Math.floor(Date.now() / 1000);
  const withoutExp = claims({ exp: undefined });
  const withoutTenant = claims({ tenant_id: undefined });

  const tokens: Array<[string, string]> = [
    ['an expired token', handMadeToken(header, claims({ exp: now - 60 }), good)],
    ['a token from another issuer', handMadeToken(header, claims({ iss: 'evil-idp' }), good)],
    ['a token for another audience', handMadeToken(header, claims({ aud: 'another-api' }), good)],
    ['a token without exp', handMadeToken(header, withoutExp, good)],
    ['a token not valid yet', handMadeToken(header, claims({ nbf: now + 600 }), good)],
    ['a token without tenant_id', handMadeToken(header, withoutTenant, good)],
    ['a token with an empty tenant_id', handMadeToken(header, claims({ tenant_id: '' }), good)],
    ['a token with a tenant path', handMadeToken(header, claims({ tenant_id: '../acme' }), good)],
    ['a token with an unknown role', handMadeToken(header, claims({ role: 'superuser' }), good)],
    ['a token with an unknown plan', handMadeToken(header, claims({ plan: 'platinum' }), good)],
    ['a token without sub', handMadeToken(header, claims({ sub: undefined }), good)],
    ['alg none', handMadeToken({ alg: 'none', typ: 'JWT' }, claims(), unsigned)],
    ['alg None', handMadeToken({ alg: 'None', typ: 'JWT' }, claims(), unsigned)],
    ['a tampered payload', tamper(handMadeToken(header, claims(), good))],
    ['a stripped signature', handMadeToken(header, claims(), unsigned)],
  ];

  if (algorithm === 'HS256') {
    tokens.push(
      ['HS256 with another secret', handMadeToken(header, claims(), hmac('x'.repeat(64)))],
      ['an RS256 token', handMadeToken({ alg: 'RS256' }, claims(), rsa(rsaPair.privateKey))],
      ['an ES256 token', handMadeToken({ alg: 'ES256' }, claims(), ecdsa(ecPair.privateKey))],
    );
  } else {
    const publicPem = algorithm === 'RS256' ? rsaPublicPem : ecPublicPem;
    const otherKey = algorithm === 'RS256' ? otherRsaPair.privateKey : otherEcPair.privateKey;
    const otherSigner = algorithm === 'RS256' ? rsa(otherKey) : ecdsa(otherKey);
    const otherAlgorithm = algorithm === 'RS256' ? 'ES256' : 'RS256';
    const otherAlgorithmSigner =
      algorithm === 'RS256' ? ecdsa(ecPair.privateKey) : rsa(rsaPair.privateKey);

    tokens.push(
      [
        'HS256 signed with the public key as secret',
        handMadeToken({ alg: 'HS256', typ: 'JWT' }, claims(), hmac(publicPem)),
      ],
      [`${algorithm} signed by another key`, handMadeToken(header, claims(), otherSigner)],
      [
        `an ${otherAlgorithm} token`,
        handMadeToken({ alg: otherAlgorithm }, claims(), otherAlgorithmSigner),
      ],
    );
  }

  return tokens;
}

function tamper(token: string): string {
  const [header, , signature] = token.split('.');
  const payload = base64url(claims({ tenant_id: 'someone-else' }));

  return `${header}.${payload}.${signature}`;
}

async function expectRefused(fixture: SystemFixture, token: string | undefined): Promise<void> {
  const before = await storageOf(fixture);
  const authorization: Record<string, string> = token === undefined ? {} : { authorization: token };

  const read = await fixture.request('GET', CONFIG_PATH, { headers: authorization });
  const write = await fixture.request('PATCH', CONFIG_PATH, {
    headers: authorization,
    body: { providerConfig: { mode: 'byok', openai_api_key: canaryKey('sk-forged-') } },
  });
  const audit = await fixture.request('GET', '/dashboard/account/audit-log', {
    headers: authorization,
  });

  for (const response of [read, write, audit]) {
    expect(response.status).toBe(401);
    expect((response.json() as ErrorBody).code).toBe('unauthenticated');
  }
  expect(await storageOf(fixture)).toBe(before);
}

describe('who may read and change the configuration (HS256)', () => {
  // The secret is ours rather than the fixture's, so tokens can be made by hand too.
  const jwtSecret = randomBytes(32).toString('hex');
  const tokenFor = (tokenClaims: DashboardTokenClaims) =>
    mintDashboardToken(tokenClaims, { secret: jwtSecret });
  let fixture: SystemFixture;

  beforeAll(async () => {
    fixture = await startSystemFixture({
      extraEnv: { gateway: { DASHBOARD_JWT_SECRET: jwtSecret } },
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  describe.each(PLANS.map((plan) => [plan]))('on the %s plan', (plan) => {
    const eligible = plan === 'growth' || plan === 'enterprise';
    const tenantId = `plan-${plan}`;

    it(`${eligible ? 'may' : 'may not'} set byok`, async () => {
      const before = await storageOf(fixture);

      const response = await fixture.request('PATCH', CONFIG_PATH, {
        token: tokenFor({ tenantId, plan, role: 'owner' }),
        body: { providerConfig: { mode: 'byok', anthropic_api_key: canaryKey('sk-ant-plan-') } },
      });

      if (eligible) {
        expect(response.status).toBe(200);
        expect(response.json()).toMatchObject({ providerConfig: { mode: 'byok' }, version: 1 });
      } else {
        expect(response.status).toBe(403);
        expect(response.json()).toMatchObject({ code: 'plan_not_eligible' });
        expect(await storageOf(fixture)).toBe(before);
      }
    });

    it('may revert to managed keys', async () => {
      const response = await fixture.request('PATCH', CONFIG_PATH, {
        token: tokenFor({ tenantId, plan, role: 'admin' }),
        body: { providerConfig: { mode: 'liya_managed' } },
      });

      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({
        providerConfig: { mode: 'liya_managed', active_provider: null },
      });
    });
  });

  it('lets a tenant moved to a smaller plan revert, but not change its keys', async () => {
    const tenantId = 'downgraded';
    const growth = tokenFor({ tenantId, plan: 'growth' });
    const starter = tokenFor({ tenantId, plan: 'starter' });

    await fixture.request('PATCH', CONFIG_PATH, {
      token: growth,
      body: { providerConfig: { mode: 'byok', openai_api_key: canaryKey('sk-down-') } },
    });

    const change = await fixture.request('PATCH', CONFIG_PATH, {
      token: starter,
      body: { providerConfig: { openai_organization: 'org-new' } },
    });
    const revert = await fixture.request('PATCH', CONFIG_PATH, {
      token: starter,
      body: { providerConfig: { mode: 'liya_managed' } },
    });

    expect(change.status).toBe(403);
    expect(change.json()).toMatchObject({ code: 'plan_not_eligible' });
    expect(revert.status).toBe(200);
    expect(
      await fixture.query(`SELECT 1 FROM byok_config.tenant_secrets WHERE tenant_id = $1`, [
        tenantId,
      ]),
    ).toEqual([]);
  });

  describe.each(ROLES.map((role) => [role]))('as %s', (role) => {
    const writer = role === 'owner' || role === 'admin';
    const tenantId = `role-${role}`;

    it(`${writer ? 'may' : 'may not'} change the configuration`, async () => {
      const before = await storageOf(fixture);

      const response = await fixture.request('PATCH', CONFIG_PATH, {
        token: tokenFor({ tenantId, role, plan: 'enterprise' }),
        body: { providerConfig: { mode: 'byok', openai_api_key: canaryKey('sk-role-') } },
      });

      expect(response.status).toBe(writer ? 200 : 403);
      if (!writer) {
        expect(response.json()).toMatchObject({ code: 'forbidden_role' });
        expect(await storageOf(fixture)).toBe(before);
      }
    });

    it('may read the configuration and the audit log', async () => {
      const token = tokenFor({ tenantId, role, plan: 'enterprise' });

      const config = await fixture.request('GET', CONFIG_PATH, { token });
      const audit = await fixture.request('GET', '/dashboard/account/audit-log', { token });

      expect(config.status).toBe(200);
      expect(config.json()).toMatchObject({
        providerConfig: { mode: writer ? 'byok' : 'liya_managed' },
      });
      expect(audit.status).toBe(200);
    });
  });

  it('refuses a member before looking at the body', async () => {
    const response = await fixture.request('PATCH', CONFIG_PATH, {
      token: tokenFor({ tenantId: 'role-member', role: 'member' }),
      body: { providerConfig: { openai_apikey: 'x' } },
    });

    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ code: 'forbidden_role' });
  });

  it('admits a correctly signed HS256 token', async () => {
    const token = handMadeToken({ alg: 'HS256', typ: 'JWT' }, claims(), hmac(jwtSecret));

    const response = await fixture.request('GET', CONFIG_PATH, { token });
    const lowerCase = await fixture.request('GET', CONFIG_PATH, {
      headers: { authorization: `bearer ${token}` },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(lowerCase.status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a Basic credential', 'Basic dXNlcjpwYXNz'],
    ['a bearer without a token', 'Bearer '],
    ['a bearer of garbage', 'Bearer not-a-jwt'],
  ])('refuses %s', async (_name, authorization) => {
    await expectRefused(fixture, authorization);
  });

  it('refuses every forged or incomplete token', async () => {
    for (const [name, token] of forgedTokens('HS256', jwtSecret)) {
      try {
        await expectRefused(fixture, `Bearer ${token}`);
      } catch (error) {
        throw new Error(`${name} was not refused: ${(error as Error).message}`);
      }
    }
  });
});

describe.each([
  ['RS256', rsaPublicPem, rsaPair.privateKey],
  ['ES256', ecPublicPem, ecPair.privateKey],
] as const)('dashboard tokens signed with %s', (algorithm, publicPem, privateKey) => {
  let fixture: SystemFixture;

  beforeAll(async () => {
    fixture = await startSystemFixture({
      extraEnv: {
        gateway: { DASHBOARD_JWT_ALGORITHM: algorithm, DASHBOARD_JWT_PUBLIC_KEY: publicPem },
      },
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('admits a token signed with the configured key and acts on its tenant', async () => {
    const token = mintAsymmetricDashboardToken(
      { tenantId: `signed-${algorithm}`, plan: 'growth', role: 'owner' },
      { algorithm, privateKey },
    );

    const write = await fixture.request('PATCH', CONFIG_PATH, {
      token,
      body: { providerConfig: { mode: 'byok', openai_api_key: canaryKey('sk-asym-') } },
    });
    const read = await fixture.request('GET', CONFIG_PATH, { token });

    expect(write.status).toBe(200);
    expect(read.json()).toMatchObject({ providerConfig: { active_provider: 'openai' } });
  });

  it('refuses HS256 tokens, other keys, other algorithms and bad claims', async () => {
    for (const [name, token] of forgedTokens(algorithm, 'y'.repeat(64))) {
      try {
        await expectRefused(fixture, `Bearer ${token}`);
      } catch (error) {
        throw new Error(`${name} was not refused: ${(error as Error).message}`);
      }
    }
  });

  it('refuses an HS256 token minted with the fixture secret', async () => {
    await expectRefused(fixture, `Bearer ${fixture.tokenFor({ tenantId: 'signed-hs' })}`);
  });
});
