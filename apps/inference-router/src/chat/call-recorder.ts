import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

import type { ChatCompletionUsage, ChatRequest } from '@liya/contracts';
import { APP_LOGGER, type AppLogger } from '@liya/runtime';

import type { ProviderRoute } from '../routing/provider-route';
import { UsagePublisher } from '../usage/usage-publisher';

export interface FinishedCall {
  request: ChatRequest;
  route: ProviderRoute;
  model: string;
  streamed: boolean;
  startedAt: bigint;
  outcome: string;
  usage: ChatCompletionUsage | null | undefined;
}

/** What every provider call leaves behind: a metric sample, one log line and a usage event. */
@Injectable()
export class CallRecorder {
  private readonly calls: Counter<'provider' | 'key_source' | 'outcome'>;
  private readonly latency: Histogram<'provider'>;

  constructor(
    private readonly usage: UsagePublisher,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.calls = new Counter({
      name: 'liya_provider_calls_total',
      help: 'Provider calls by provider, key source and outcome code',
      labelNames: ['provider', 'key_source', 'outcome'] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'liya_provider_call_duration_seconds',
      help: 'Provider call latency by provider',
      labelNames: ['provider'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  }

  finish(call: FinishedCall): void {
    const { request, route } = call;
    const latencyMs = Number(process.hrtime.bigint() - call.startedAt) / 1e6;
    const roundedMs = Math.round(latencyMs * 10) / 10;

    this.calls.inc({
      provider: route.provider,
      key_source: route.key.source,
      outcome: call.outcome,
    });
    this.latency.observe({ provider: route.provider }, latencyMs / 1000);

    this.logger.info(
      {
        tenantId: request.tenantId,
        requestId: request.requestId,
        provider: route.provider,
        keySource: route.key.source,
        model: call.model,
        streamed: call.streamed,
        outcome: call.outcome,
        latencyMs: roundedMs,
      },
      'chat completion served',
    );

    this.usage.publish({
      event_id: randomUUID(),
      request_id: request.requestId,
      tenant_id: request.tenantId,
      provider: route.provider,
      key_source: route.key.source,
      model: call.model,
      streamed: call.streamed,
      outcome: call.outcome,
      prompt_tokens: call.usage?.prompt_tokens ?? null,
      completion_tokens: call.usage?.completion_tokens ?? null,
      total_tokens: call.usage?.total_tokens ?? null,
      latency_ms: roundedMs,
      occurred_at: new Date().toISOString(),
    });
  }
}
