import { parseArgs } from 'node:util';

import { PLANS, type Plan, ROLES, type Role } from '@liya/contracts';

import { mintDashboardToken } from '../tokens/dashboard-token';
import { devSecret, repositoryRoot } from './dev-secrets';

// Usage: npm run token -- --tenant acme --plan growth --role owner [--user alice] [--ttl 3600]
const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    plan: { type: 'string', default: 'growth' },
    role: { type: 'string', default: 'owner' },
    user: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

if (!values.tenant) fail('--tenant is required');
if (!(PLANS as readonly string[]).includes(values.plan))
  fail(`--plan must be one of ${PLANS.join(', ')}`);
if (!(ROLES as readonly string[]).includes(values.role))
  fail(`--role must be one of ${ROLES.join(', ')}`);

const secret = process.env.DASHBOARD_JWT_SECRET ?? devSecret(repositoryRoot(), 'jwt-secret');
const token = mintDashboardToken(
  {
    tenantId: values.tenant,
    userId: values.user,
    plan: values.plan as Plan,
    role: values.role as Role,
  },
  { secret, expiresInSeconds: Number(values.ttl) },
);

process.stdout.write(`${token}\n`);
