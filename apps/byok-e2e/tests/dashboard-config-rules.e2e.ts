import { canaryKey, startSystemFixture, type SystemFixture } from '../support/system-fixture';
import {
  CONFIG_PATH,
  type ErrorBody,
  outboxOf,
  secretFieldsOf,
  storageOf,
} from './dashboard-state';

interface View {
  providerConfig: {
    mode: string;
    active_provider: string | null;
    openai: { configured: boolean; organization?: string };
    anthropic: { configured: boolean };
    azure: { configured: boolean; endpoint?: string; deployment_id?: string; region?: string };
  };
  version: number;
}

describe('merge, revert and concurrency rules of the dashboard configuration', () => {
  let fixture: SystemFixture;
  let azureEndpoint: string;

  beforeAll(async () => {
    fixture = await startSystemFixture();
    azureEndpoint = `http://127.0.0.1:${fixture.standIn.port}`;
  });

  afterAll(async () => {
    await fixture?.close();
  });

  async function patch(
    tenantId: string,
    providerConfig: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: View & ErrorBody; headers: Headers }> {
    const response = await fixture.request('PATCH', CONFIG_PATH, {
      token: fixture.tokenFor({ tenantId, plan: 'enterprise' }),
      body: { providerConfig },
      headers,
    });

    return {
      status: response.status,
      body: response.json() as View & ErrorBody,
      headers: response.headers,
    };
  }

  async function patchOk(tenantId: string, providerConfig: Record<string, unknown>) {
    const response = await patch(tenantId, providerConfig);
    if (response.status !== 200) {
      throw new Error(`PATCH answered ${response.status}: ${JSON.stringify(response.body)}`);
    }

    return response.body.providerConfig;
  }

  describe('merging', () => {
    const tenantId = 'merge';

    it('keeps OpenAI when Anthropic is added, and routes to Anthropic', async () => {
      await patchOk(tenantId, {
        mode: 'byok',
        openai_api_key: canaryKey('sk-openai-'),
        openai_organization: 'org-merge',
      });

      const view = await patchOk(tenantId, { anthropic_api_key: canaryKey('sk-ant-') });

      expect(view).toEqual({
        mode: 'byok',
        active_provider: 'anthropic',
        openai: { configured: true, organization: 'org-merge' },
        anthropic: { configured: true },
        azure: { configured: false },
      });
      expect(await secretFieldsOf(fixture, tenantId)).toEqual([
        'anthropic_api_key',
        'openai_api_key',
      ]);
    });

    it('does not use Azure until endpoint, key and deployment id are all set', async () => {
      const partial = await patchOk(tenantId, {
        azure_openai_endpoint: azureEndpoint,
        azure_openai_key: canaryKey('azure-key-'),
        azure_openai_region: 'westeurope',
      });

      expect(partial.active_provider).toBe('anthropic');
      expect(partial.azure).toEqual({
        configured: false,
        endpoint: azureEndpoint,
        region: 'westeurope',
      });

      const complete = await patchOk(tenantId, { azure_openai_deployment_id: 'gpt-4o' });

      expect(complete.active_provider).toBe('azure');
      expect(complete.azure).toEqual({
        configured: true,
        endpoint: azureEndpoint,
        deployment_id: 'gpt-4o',
        region: 'westeurope',
      });
    });

    it('removes a field sent as null, and routing falls back in priority order', async () => {
      const withoutDeployment = await patchOk(tenantId, { azure_openai_deployment_id: null });

      expect(withoutDeployment.active_provider).toBe('anthropic');
      expect(withoutDeployment.azure.deployment_id).toBeUndefined();

      const withoutAnthropic = await patchOk(tenantId, {
        anthropic_api_key: null,
        openai_organization: null,
      });

      expect(withoutAnthropic.active_provider).toBe('openai');
      expect(withoutAnthropic.anthropic).toEqual({ configured: false });
      expect(withoutAnthropic.openai).toEqual({ configured: true });
      expect(await secretFieldsOf(fixture, tenantId)).toEqual([
        'azure_openai_key',
        'openai_api_key',
      ]);
    });

    it('accepts the Azure hosts of the public and sovereign clouds', async () => {
      for (const endpoint of [
        'https://acme.openai.azure.com/',
        'https://acme.cognitiveservices.azure.com',
        'https://acme.openai.azure.us/',
        'https://acme.openai.azure.cn/',
      ]) {
        const view = await patchOk(tenantId, { azure_openai_endpoint: endpoint });

        expect(view.azure.endpoint).toBe(endpoint);
      }
    });
  });

  describe('reverting to managed keys', () => {
    const tenantId = 'revert';

    it('erases every stored key and setting with the write that reverts', async () => {
      await patchOk(tenantId, {
        mode: 'byok',
        openai_api_key: canaryKey('sk-openai-'),
        openai_organization: 'org-revert',
        anthropic_api_key: canaryKey('sk-ant-'),
        azure_openai_endpoint: azureEndpoint,
        azure_openai_key: canaryKey('azure-'),
        azure_openai_deployment_id: 'gpt-4o',
        azure_openai_region: 'eastus',
      });
      expect(await secretFieldsOf(fixture, tenantId)).toHaveLength(3);

      const response = await patch(tenantId, { mode: 'liya_managed' });

      expect(response.status).toBe(200);
      expect(response.body.providerConfig).toEqual({
        mode: 'liya_managed',
        active_provider: null,
        openai: { configured: false },
        anthropic: { configured: false },
        azure: { configured: false },
      });
      expect(await secretFieldsOf(fixture, tenantId)).toEqual([]);

      const [row] = await fixture.query(
        `SELECT mode, version, openai_organization, azure_endpoint, azure_deployment_id,
                azure_region FROM byok_config.tenant_configs WHERE tenant_id = $1`,
        [tenantId],
      );

      expect(row).toEqual({
        mode: 'liya_managed',
        version: response.body.version,
        openai_organization: null,
        azure_endpoint: null,
        azure_deployment_id: null,
        azure_region: null,
      });

      const events = await outboxOf(fixture, tenantId);

      expect(events.at(-1)?.payload).toMatchObject({
        config_version: response.body.version,
        before: { mode: 'byok', providers: ['azure', 'anthropic', 'openai'] },
        after: { mode: 'liya_managed', providers: [] },
      });
    });

    it('starts empty when the tenant switches back to byok', async () => {
      const bare = await patch(tenantId, { mode: 'byok' });

      expect(bare.status).toBe(422);
      expect(bare.body.code).toBe('no_usable_provider');

      const view = await patchOk(tenantId, {
        mode: 'byok',
        anthropic_api_key: canaryKey('sk-ant-again-'),
      });

      expect(view).toEqual({
        mode: 'byok',
        active_provider: 'anthropic',
        openai: { configured: false },
        anthropic: { configured: true },
        azure: { configured: false },
      });
      expect(await secretFieldsOf(fixture, tenantId)).toEqual(['anthropic_api_key']);
    });
  });

  describe('concurrent writers', () => {
    it('lets two racing PATCHes of one tenant both land, one version each', async () => {
      for (let round = 0; round < 5; round += 1) {
        const tenantId = `race-${round}`;
        if (round % 2 === 1) await patchOk(tenantId, { mode: 'byok', openai_api_key: 'sk-x' });
        const start = round % 2 === 1 ? 1 : 0;

        const [openai, anthropic] = await Promise.all([
          patch(tenantId, { mode: 'byok', openai_api_key: canaryKey('sk-race-') }),
          patch(tenantId, { mode: 'byok', anthropic_api_key: canaryKey('sk-ant-race-') }),
        ]);

        expect([openai.status, anthropic.status]).toEqual([200, 200]);
        expect([openai.body.version, anthropic.body.version].sort()).toEqual([
          start + 1,
          start + 2,
        ]);

        const read = await fixture.request('GET', CONFIG_PATH, {
          token: fixture.tokenFor({ tenantId }),
        });

        expect(read.json()).toMatchObject({
          providerConfig: { openai: { configured: true }, anthropic: { configured: true } },
          version: start + 2,
        });

        const versions = (await outboxOf(fixture, tenantId)).map(
          (event) => event.payload.config_version,
        );

        expect(versions).toEqual(start === 1 ? [1, 2, 3] : [1, 2]);
      }
    });
  });

  describe('If-Match', () => {
    const tenantId = 'if-match';

    it('writes when the version is current and refuses a stale one with 412', async () => {
      const first = await patch(tenantId, { mode: 'byok', openai_api_key: canaryKey('sk-a-') });

      expect(first.headers.get('etag')).toBe('"1"');

      const current = await patch(
        tenantId,
        { anthropic_api_key: canaryKey('sk-b-') },
        { 'if-match': '"1"' },
      );

      expect(current.status).toBe(200);
      expect(current.body.version).toBe(2);

      const before = await storageOf(fixture);
      const stale = await patch(
        tenantId,
        { openai_api_key: canaryKey('sk-c-') },
        { 'if-match': '"1"' },
      );

      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('version_conflict');
      expect(stale.body.message).toContain('version');
      expect(await storageOf(fixture)).toBe(before);
    });

    it('accepts a weak tag and the ETag of a GET', async () => {
      const read = await fixture.request('GET', CONFIG_PATH, {
        token: fixture.tokenFor({ tenantId }),
      });
      const etag = read.headers.get('etag') ?? '';

      expect(etag).toBe('"2"');

      const weak = await patch(
        tenantId,
        { openai_organization: 'org-x' },
        { 'if-match': `W/${etag}` },
      );

      expect(weak.status).toBe(200);
      expect(weak.body.version).toBe(3);
    });
  });

  describe('If-Match under a race', () => {
    it('lets exactly one of two writers holding the same version win', async () => {
      const tenantId = 'if-match-race';

      await patchOk(tenantId, { mode: 'byok', openai_api_key: canaryKey('sk-base-') });

      const answers = await Promise.all([
        patch(tenantId, { anthropic_api_key: canaryKey('sk-ant-1-') }, { 'if-match': '"1"' }),
        patch(tenantId, { openai_organization: 'org-2' }, { 'if-match': '"1"' }),
      ]);

      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
      expect((await outboxOf(fixture, tenantId)).map((row) => row.payload.config_version)).toEqual([
        1, 2,
      ]);
    });
  });

  describe('when a dependency is down', () => {
    const tenantId = 'outage';

    it('answers 503 with a retry hint and writes nothing without the crypto service', async () => {
      await patchOk(tenantId, { mode: 'byok', openai_api_key: canaryKey('sk-outage-') });
      const before = await storageOf(fixture);

      await fixture.system.stop('crypto-service');
      try {
        const response = await patch(tenantId, { anthropic_api_key: canaryKey('sk-ant-out-') });
        const read = await fixture.request('GET', CONFIG_PATH, {
          token: fixture.tokenFor({ tenantId }),
        });

        expect(response.status).toBe(503);
        expect(response.body.code).toBe('dependency_unavailable');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(read.status).toBe(200);
        expect(await storageOf(fixture)).toBe(before);
      } finally {
        await fixture.system.start('crypto-service');
      }
    });

    it('answers 503 without the configuration service, and works once it is back', async () => {
      await fixture.system.stop('config-service');
      try {
        const read = await fixture.request('GET', CONFIG_PATH, {
          token: fixture.tokenFor({ tenantId }),
        });

        expect(read.status).toBe(503);
        expect((read.json() as ErrorBody).code).toBe('dependency_unavailable');
      } finally {
        await fixture.system.start('config-service');
      }

      const view = await patchOk(tenantId, { anthropic_api_key: canaryKey('sk-ant-back-') });

      expect(view.active_provider).toBe('anthropic');
    });
  });

  describe('the audit trail', () => {
    const tenantId = 'audited';

    it('writes exactly one event per successful PATCH with who, where and what', async () => {
      const response = await fixture.request('PATCH', CONFIG_PATH, {
        token: fixture.tokenFor({ tenantId, userId: 'alice', role: 'admin' }),
        body: { providerConfig: { mode: 'byok', openai_api_key: canaryKey('sk-audit-') } },
        headers: { 'x-request-id': 'req-audit-1', 'user-agent': 'dashboard/1.2 (test)' },
      });

      expect(response.status).toBe(200);

      const second = await fixture.request('PATCH', CONFIG_PATH, {
        token: fixture.tokenFor({ tenantId, userId: 'bob' }),
        body: { providerConfig: { azure_openai_endpoint: azureEndpoint } },
        headers: { 'x-request-id': 'req-audit-2' },
      });

      expect(second.status).toBe(200);

      const events = await outboxOf(fixture, tenantId);

      expect(events.map((event) => event.payload)).toEqual([
        expect.objectContaining({
          action: 'byok_config_updated',
          tenant_id: tenantId,
          actor_id: 'alice',
          request_id: 'req-audit-1',
          source_ip: '127.0.0.1',
          user_agent: 'dashboard/1.2 (test)',
          config_version: 1,
          before: { mode: 'liya_managed', providers: [] },
          after: { mode: 'byok', providers: ['openai'] },
        }),
        expect.objectContaining({
          actor_id: 'bob',
          request_id: 'req-audit-2',
          config_version: 2,
          before: { mode: 'byok', providers: ['openai'] },
          after: { mode: 'byok', providers: ['openai'] },
        }),
      ]);
    });

    it('writes none for a refused PATCH', async () => {
      const before = await outboxOf(fixture, tenantId);
      const refusals = [
        { role: 'member' as const, body: { mode: 'byok', anthropic_api_key: 'sk-a' } },
        { role: 'owner' as const, body: { openai_api_key: null } },
        { role: 'owner' as const, body: { azure_openai_endpoint: 'https://example.com/' } },
      ];

      for (const refusal of refusals) {
        const response = await fixture.request('PATCH', CONFIG_PATH, {
          token: fixture.tokenFor({ tenantId, role: refusal.role }),
          body: { providerConfig: refusal.body },
        });

        expect(response.status).toBeGreaterThanOrEqual(400);
      }

      const stale = await patch(tenantId, { openai_organization: 'o' }, { 'if-match': '"1"' });

      expect(stale.status).toBe(412);

      expect(await outboxOf(fixture, tenantId)).toEqual(before);
    });

    it('serves the same events, newest first, on the audit-log route', async () => {
      const token = fixture.tokenFor({ tenantId, role: 'member' });

      const events = await fixture.waitFor(async () => {
        const response = await fixture.request('GET', '/dashboard/account/audit-log', { token });
        const body = response.json() as { events: Array<{ request_id: string }> };

        return body.events.length >= 2 ? body.events : undefined;
      }, 'both audit events');

      expect(events.map((event) => event.request_id)).toEqual(['req-audit-2', 'req-audit-1']);
    });
  });
});
