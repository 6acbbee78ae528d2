import { ServiceError } from '@liya/contracts';

import { auditQueryOf } from './audit-log-query';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ServiceError && error.code === 'invalid_field') return error.field;
    throw error;
  }

  return undefined;
}

describe('auditQueryOf', () => {
  it('scopes to the given tenant with a default page size', () => {
    expect(auditQueryOf('acme', {})).toEqual({ tenantId: 'acme', limit: 20 });
  });

  it('passes a valid action, range and cursor, instants normalised to UTC', () => {
    expect(
      auditQueryOf('acme', {
        limit: '50',
        action: 'byok_config_updated',
        from: '2026-12-01T00:00:00+01:00',
        to: '2026-12-04T10:00:00Z',
        cursor: 'c2VxOjQy',
      }),
    ).toEqual({
      tenantId: 'acme',
      limit: 50,
      action: 'byok_config_updated',
      from: '2026-11-30T23:00:00.000Z',
      to: '2026-12-04T10:00:00.000Z',
      cursor: 'c2VxOjQy',
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '1e1' }, 'limit'],
    [{ action: 'key_deleted' }, 'action'],
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2026-12-04' }, 'to'],
    [{ from: '2026-12-04T10:00:00Z', to: '2026-12-04T10:00:00Z' }, 'from'],
    [{ cursor: 'not a cursor!' }, 'cursor'],
  ])('refuses %j naming the field', (params, field) => {
    expect(fieldOf(() => auditQueryOf('acme', params))).toBe(field);
  });
});
