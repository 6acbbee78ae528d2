import { markStopping } from '../lifecycle/shutdown-state';
import { runReadinessChecks } from './readiness';

describe('readiness checks', () => {
  it('is ready when every check answers', async () => {
    const report = await runReadinessChecks(
      { nats: async () => undefined, postgres: async () => undefined },
      500,
    );

    expect(report).toEqual({ ready: true, status: 'ok', checks: { nats: 'up', postgres: 'up' } });
  });

  it('is not ready when a check fails or hangs, naming it without its error text', async () => {
    const report = await runReadinessChecks(
      {
        nats: async () => undefined,
        postgres: () => Promise.reject(new Error('password sk-secret-0123456789abcdef wrong')),
        slow: () => new Promise<void>(() => undefined),
      },
      100,
    );

    expect(report).toEqual({
      ready: false,
      status: 'error',
      checks: { nats: 'up', postgres: 'down', slow: 'down' },
    });
  });

  it('stops being ready once the process is stopping', async () => {
    markStopping();

    const report = await runReadinessChecks({ nats: async () => undefined }, 500);

    expect(report).toEqual({ ready: false, status: 'stopping', checks: { nats: 'up' } });
  });
});
