import { sign } from 'jsonwebtoken';

import type { Plan, Role } from '@liya/contracts';

export interface DashboardTokenClaims {
  tenantId: string;
  userId?: string;
  role?: Role;
  plan?: Plan;
}

export interface MintOptions {
  secret: string;
  issuer?: string;
  audience?: string;
  expiresInSeconds?: number;
}

/** Mints an HS256 dashboard token, as the dashboard's identity service does in development. */
export function mintDashboardToken(claims: DashboardTokenClaims, options: MintOptions): string {
  return sign(
    {
      sub: claims.userId ?? `user-of-${claims.tenantId}`,
      tenant_id: claims.tenantId,
      role: claims.role ?? 'owner',
      plan: claims.plan ?? 'growth',
    },
    options.secret,
    {
      algorithm: 'HS256',
      issuer: options.issuer ?? 'liya-dashboard',
      audience: options.audience ?? 'liya-engine',
      expiresIn: options.expiresInSeconds ?? 3600,
    },
  );
}
