import type { ConfigEnvironment } from '@liya/environment';

/**
 * Names the arming file of the crash-before-publish fault point. It exists for the end-to-end
 * fault tests only and is honoured only when NODE_ENV is `test` as well, so a stray variable in a
 * production environment cannot kill the relay.
 */
export const TEST_FAULT_CRASH_BEFORE_PUBLISH =
  'LIYA_TEST_FAULT_OUTBOX_CRASH_BEFORE_PUBLISH_FILE' as const;

export type OutboxEnvironment = Pick<
  ConfigEnvironment,
  | 'OUTBOX_REPUBLISH_AFTER_MS'
  | 'OUTBOX_REPUBLISH_MAX_MS'
  | 'OUTBOX_RETENTION_MS'
  | 'NODE_ENV'
  | typeof TEST_FAULT_CRASH_BEFORE_PUBLISH
>;

export interface OutboxSettings {
  /** How long a published event may wait for audit-service's receipt before it goes out again. */
  republishAfterMs: number;
  /** The wait doubles with each re-publish of one event, up to this bound. */
  republishMaxMs: number;
  /** How long a confirmed event stays in the outbox, for inspection, before it is deleted. */
  retentionMs: number;
  /** Arming file of the test-only crash fault point; undefined outside tests. */
  crashBeforePublishFile?: string;
  /** Set when the fault variable was given outside NODE_ENV=test and is being ignored. */
  ignoredFaultVariable: boolean;
}

export const OUTBOX_SETTINGS = Symbol('OUTBOX_SETTINGS');

/** The outbox's settings, from config-service's validated environment. */
export function outboxSettingsFrom(env: OutboxEnvironment): OutboxSettings {
  const faultFile = env[TEST_FAULT_CRASH_BEFORE_PUBLISH];
  const testsOnly = env.NODE_ENV === 'test';

  return {
    republishAfterMs: env.OUTBOX_REPUBLISH_AFTER_MS,
    republishMaxMs: Math.max(env.OUTBOX_REPUBLISH_MAX_MS, env.OUTBOX_REPUBLISH_AFTER_MS),
    retentionMs: env.OUTBOX_RETENTION_MS,
    crashBeforePublishFile: testsOnly ? faultFile : undefined,
    ignoredFaultVariable: faultFile !== undefined && !testsOnly,
  };
}

/** Delay before the n-th re-publish (n counts from 1): the bound, doubled each time, capped. */
export function republishDelayMs(settings: OutboxSettings, publishCount: number): number {
  const doublings = Math.min(Math.max(publishCount - 1, 0), 30);

  return Math.min(settings.republishAfterMs * 2 ** doublings, settings.republishMaxMs);
}
