import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import {
  findNatsServer,
  freePort,
  provisionTestInfrastructure,
  runMigrations,
  type TestInfrastructure,
} from '@liya/dev-kit';

import {
  startStoppableNats,
  startTcpOutage,
  type StoppableNats,
  type TcpOutage,
} from '../support/ops/outage';
import { type ServiceProcess, spawnService, statusOf } from '../support/ops/service-process';

const ROOT = join(__dirname, '..', '..', '..');

describe('readiness while a dependency is away', () => {
  let infrastructure: TestInfrastructure;
  let nats: StoppableNats;
  let postgres: TcpOutage;
  let audit: ServiceProcess;
  let gateway: ServiceProcess;
  let auditReady: string;
  let gatewayReady: string;

  beforeAll(async () => {
    const binary = findNatsServer();
    if (!binary) throw new Error('these tests need nats-server on the PATH');

    infrastructure = await provisionTestInfrastructure();
    runMigrations(ROOT, infrastructure.databaseUrl);
    nats = await startStoppableNats(binary);

    const database = new URL(infrastructure.databaseUrl);

    postgres = await startTcpOutage(Number(database.port || 5432));
    database.host = `127.0.0.1:${postgres.port}`;

    const [auditPort, gatewayPort] = [await freePort(), await freePort()];

    auditReady = `http://127.0.0.1:${auditPort}/readyz`;
    gatewayReady = `http://127.0.0.1:${gatewayPort}/readyz`;

    audit = spawnService('audit-service', {
      NATS_URL: nats.url,
      DATABASE_URL: database.toString(),
      OPS_PORT: String(auditPort),
    });
    gateway = spawnService('gateway', {
      NATS_URL: nats.url,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      DASHBOARD_JWT_SECRET: randomBytes(32).toString('hex'),
    });

    await Promise.all([statusOf(auditReady, 200, 30_000), statusOf(gatewayReady, 200, 30_000)]);
  });

  afterAll(async () => {
    await Promise.all([audit?.stop(), gateway?.stop()]);
    await nats?.close();
    await postgres?.close();
    await infrastructure?.release();
  });

  it('reports not ready while NATS is down, and ready again once it is back', async () => {
    await nats.down();

    await expect(statusOf(auditReady, 503)).resolves.toMatchObject({
      ready: false,
      checks: { nats: 'down', postgres: 'up' },
    });
    await expect(statusOf(gatewayReady, 503)).resolves.toMatchObject({
      checks: { nats: 'down' },
    });

    await nats.up();

    await expect(statusOf(auditReady, 200)).resolves.toMatchObject({
      ready: true,
      checks: { nats: 'up', postgres: 'up' },
    });
    await expect(statusOf(gatewayReady, 200)).resolves.toMatchObject({ ready: true });
  });

  it('reports not ready while PostgreSQL is unreachable, and ready once it is back', async () => {
    await postgres.down();

    await expect(statusOf(auditReady, 503)).resolves.toMatchObject({
      checks: { nats: 'up', postgres: 'down' },
    });

    await postgres.up();

    await expect(statusOf(auditReady, 200)).resolves.toMatchObject({
      checks: { nats: 'up', postgres: 'up' },
    });
  });

  it('stays alive through both outages: liveness never depended on them', async () => {
    const live = await fetch(auditReady.replace('/readyz', '/healthz'));

    expect(live.status).toBe(200);
    expect(audit.child.exitCode).toBeNull();
    expect(gateway.child.exitCode).toBeNull();
  });
});
