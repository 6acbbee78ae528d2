import type { KeySource, ProviderName } from '../provider-config/providers';

export const USAGE_STREAM = 'USAGE';

/** Subjects are `usage.inference.<provider>`, so billing can filter by provider cheaply. */
export const USAGE_SUBJECT_PREFIX = 'usage.inference';

export function usageSubject(provider: ProviderName): string {
  return `${USAGE_SUBJECT_PREFIX}.${provider}`;
}

/**
 * One served (or failed) inference request, for billing. `event_id` is also the JetStream message
 * id, so a republish is deduplicated. Token counts are the provider's, or null when it gave none
 * (a failed call, or a stream cut short).
 */
export interface InferenceUsageEvent {
  event_id: string;
  request_id: string;
  tenant_id: string;
  provider: ProviderName;
  key_source: KeySource;
  model: string;
  streamed: boolean;
  outcome: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  latency_ms: number;
  occurred_at: string;
}
