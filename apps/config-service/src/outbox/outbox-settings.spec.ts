import { configEnvironmentSchema } from '@liya/environment';

import {
  outboxSettingsFrom,
  republishDelayMs,
  TEST_FAULT_CRASH_BEFORE_PUBLISH,
} from './outbox-settings';

// Settings as the service derives them: from its whole validated environment.
function readOutboxSettings(raw: Record<string, string>) {
  return outboxSettingsFrom(configEnvironmentSchema.parse(raw));
}

describe('outbox settings', () => {
  it('honours the crash fault point only together with NODE_ENV=test', () => {
    const armed = { [TEST_FAULT_CRASH_BEFORE_PUBLISH]: '/tmp/arm' };

    expect(readOutboxSettings({ ...armed, NODE_ENV: 'test' })).toMatchObject({
      crashBeforePublishFile: '/tmp/arm',
      ignoredFaultVariable: false,
    });
    expect(readOutboxSettings({ ...armed, NODE_ENV: 'production' })).toMatchObject({
      crashBeforePublishFile: undefined,
      ignoredFaultVariable: true,
    });
    expect(readOutboxSettings(armed).crashBeforePublishFile).toBeUndefined();
    expect(readOutboxSettings({ NODE_ENV: 'test' })).toMatchObject({
      crashBeforePublishFile: undefined,
      ignoredFaultVariable: false,
    });
  });

  it('doubles the wait for a receipt with each re-publish, up to the bound', () => {
    const settings = readOutboxSettings({
      OUTBOX_REPUBLISH_AFTER_MS: '1000',
      OUTBOX_REPUBLISH_MAX_MS: '5000',
    });

    expect([1, 2, 3, 4, 40].map((count) => republishDelayMs(settings, count))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('refuses a bound too small to be meant', () => {
    expect(() => readOutboxSettings({ OUTBOX_REPUBLISH_AFTER_MS: '5' })).toThrow();
  });
});
