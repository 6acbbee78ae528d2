import { dashboardClaimsSchema } from './principal';

const valid = { sub: 'user-1', tenant_id: 'acme', role: 'owner', plan: 'growth' };

describe('dashboard claims', () => {
  it('accepts a printable user id', () => {
    expect(dashboardClaimsSchema.safeParse(valid).success).toBe(true);
  });

  it.each(['evil\u0000', 'line\nbreak', '\u007f', ''])('refuses the user id %j', (sub) => {
    expect(dashboardClaimsSchema.safeParse({ ...valid, sub }).success).toBe(false);
  });
});
