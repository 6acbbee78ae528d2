import type { ChildProcess } from 'node:child_process';

import { freePort } from '@liya/dev-kit';

import { startHoldingProvider, type HoldingProvider } from '../support/ops/holding-provider';
import {
  eventually,
  type ServiceProcess,
  spawnService,
  statusOf,
} from '../support/ops/service-process';
import { startSystemFixture, type SystemFixture } from '../support/system-fixture';

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }

  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('SIGTERM in the middle of traffic', () => {
  let provider: HoldingProvider;
  let fixture: SystemFixture;
  let replica: ServiceProcess | undefined;
  let token: string;

  beforeAll(async () => {
    provider = await startHoldingProvider();
    provider.releaseAll();
    fixture = await startSystemFixture({ openaiBaseUrl: provider.openaiBaseUrl });
    token = fixture.tokenFor({ tenantId: 'shutdown-co', role: 'owner', plan: 'growth' });
  });

  afterAll(async () => {
    provider?.releaseAll();
    await replica?.stop();
    await fixture?.close();
    await provider?.close();
  });

  const chat = () => fixture.request('POST', '/v1/chat/completions', { token, body: CHAT_BODY });

  const pendingAt = (count: number) =>
    eventually(
      async () => (provider.pending() === count ? true : undefined),
      `${count} held provider calls`,
    );

  it('counts the traffic in metrics without a tenant id or a key in any label', async () => {
    provider.releaseAll();
    expect((await chat()).status).toBe(200);

    const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
    const gateway = await scrape(fixture.system.gatewayUrl);
    const router = await scrape(fixture.system.opsUrls['inference-router']);
    const others = await Promise.all(
      (['config-service', 'crypto-service', 'audit-service'] as const).map((service) =>
        scrape(fixture.system.opsUrls[service]),
      ),
    );

    expect(gateway).toMatch(/liya_http_requests_total\{[^}]*route="\/v1\/chat\/completions"/);
    expect(router).toMatch(
      /liya_provider_calls_total\{[^}]*provider="openai",key_source="managed"/,
    );
    expect(router).toMatch(/liya_rpc_requests_total\{[^}]*subject="inference.chat",code="ok"/);
    for (const text of [gateway, router, ...others]) {
      expect(text).toContain('service="');
      expect(text).not.toContain('shutdown-co');
      expect(text).not.toContain(fixture.managedOpenAiKey.slice(-16));
    }
  });

  it('lets a stopping router finish its calls while a replica takes the new ones', async () => {
    provider.hold();
    const first = Array.from({ length: 4 }, chat);

    await pendingAt(4);

    const opsPort = await freePort();

    replica = spawnService('inference-router', {
      NATS_URL: fixture.infrastructure.natsUrl,
      OPS_PORT: String(opsPort),
      OPENAI_BASE_URL: provider.openaiBaseUrl,
      ANTHROPIC_BASE_URL: fixture.standIn.anthropicBaseUrl,
      LIYA_OPENAI_API_KEY: fixture.managedOpenAiKey,
    });
    await statusOf(`http://127.0.0.1:${opsPort}/readyz`, 200, 30_000);

    const router = fixture.system.processes.get('inference-router')!;
    const routerExit = exitOf(router);

    router.kill('SIGTERM');
    await expect(
      statusOf(`${fixture.system.opsUrls['inference-router']}/readyz`, 503),
    ).resolves.toMatchObject({ status: 'stopping' });

    const second = Array.from({ length: 2 }, chat);

    await pendingAt(6);
    expect(router.exitCode).toBeNull();

    provider.releaseAll();
    const answers = await Promise.all([...first, ...second]);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await expect(routerExit).resolves.toEqual({ code: 0, signal: null });
  });

  it('lets a stopping gateway answer every request it had accepted, then exit 0', async () => {
    provider.hold();
    const accepted = Array.from({ length: 3 }, chat);

    await pendingAt(3);

    const gateway = fixture.system.processes.get('gateway')!;
    const gatewayExit = exitOf(gateway);

    gateway.kill('SIGTERM');
    await eventually(
      async () =>
        fixture.logs.some(
          (entry) => entry.service === 'gateway' && entry.line.includes('"shutting down"'),
        ) || undefined,
      'the gateway to begin shutting down',
    );
    expect(gateway.exitCode).toBeNull();

    provider.releaseAll();
    const answers = await Promise.all(accepted);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.headers.get('x-liya-key-source'))).toEqual([
      'managed',
      'managed',
      'managed',
    ]);
    await expect(gatewayExit).resolves.toEqual({ code: 0, signal: null });
  });
});
