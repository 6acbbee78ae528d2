import { ServiceUnavailableException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';

import { isStopping } from '../lifecycle/shutdown-state';

export type ReadinessCheck = () => Promise<void>;

export type CheckState = 'up' | 'down';

export interface ReadinessReport {
  ready: boolean;
  /** `stopping` once SIGTERM arrived: the process finishes its work but takes no more. */
  status: 'ok' | 'error' | 'stopping';
  checks: Record<string, CheckState>;
}

interface Terminus {
  health: HealthCheckService;
  indicators: HealthIndicatorService;
}

let terminus: Promise<Terminus> | undefined;

// Terminus lives in a tiny Nest context of its own, made on the first probe, so the ops port
// stays a plain HTTP server that is up before the service's own module finishes starting.
function terminusServices(): Promise<Terminus> {
  terminus ??= NestFactory.createApplicationContext(TerminusModule.forRoot({ logger: false }), {
    logger: false,
  }).then((context) => ({
    health: context.get(HealthCheckService),
    indicators: context.get(HealthIndicatorService),
  }));

  return terminus;
}

function statesOf(result: HealthCheckResult): Record<string, CheckState> {
  return Object.fromEntries(
    Object.entries(result.details).map(([name, detail]) => [
      name,
      detail.status === 'down' ? 'down' : 'up',
    ]),
  );
}

/**
 * Runs every readiness check through terminus with a deadline; a dependency that hangs counts as
 * down. The report names checks and states only: a failure's own text stays out of the answer.
 */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const { health, indicators } = await terminusServices();
  const probes = Object.entries(checks).map(
    ([name, check]) =>
      () =>
        indicators
          .check(name)
          .attempt(() => check())
          .withTimeout(timeoutMs),
  );

  let result: HealthCheckResult;
  try {
    result = await health.check(probes);
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;

    result = error.getResponse() as HealthCheckResult;
  }

  const states = statesOf(result);
  const allUp = Object.values(states).every((state) => state === 'up');

  if (isStopping()) return { ready: false, status: 'stopping', checks: states };

  return { ready: allUp, status: allUp ? 'ok' : 'error', checks: states };
}
