import type { KeyObject } from 'node:crypto';

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

export interface AsymmetricMintOptions {
  algorithm: 'RS256' | 'ES256';
  /** A PEM private key or a KeyObject of the pair whose public half the gateway is given. */
  privateKey: string | KeyObject;
  issuer?: string;
  audience?: string;
  expiresInSeconds?: number;
}

function claimsOf(claims: DashboardTokenClaims): Record<string, string> {
  return {
    sub: claims.userId ?? `user-of-${claims.tenantId}`,
    tenant_id: claims.tenantId,
    role: claims.role ?? 'owner',
    plan: claims.plan ?? 'growth',
  };
}

/** Mints an HS256 dashboard token, as the dashboard's identity service does in development. */
export function mintDashboardToken(claims: DashboardTokenClaims, options: MintOptions): string {
  return sign(claimsOf(claims), options.secret, {
    algorithm: 'HS256',
    issuer: options.issuer ?? 'liya-dashboard',
    audience: options.audience ?? 'liya-engine',
    expiresIn: options.expiresInSeconds ?? 3600,
  });
}

/** Mints an RS256 or ES256 dashboard token, as the identity service does in production. */
export function mintAsymmetricDashboardToken(
  claims: DashboardTokenClaims,
  options: AsymmetricMintOptions,
): string {
  return sign(claimsOf(claims), options.privateKey, {
    algorithm: options.algorithm,
    issuer: options.issuer ?? 'liya-dashboard',
    audience: options.audience ?? 'liya-engine',
    expiresIn: options.expiresInSeconds ?? 3600,
  });
}
