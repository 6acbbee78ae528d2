import type { KeyObject } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { ServiceError } from '@liya/contracts';

import type { GatewayEnvironment } from '@liya/environment';

import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';
import { dashboardClaimsSchema, type Principal } from './principal';
import { loadVerificationKey } from './verification-key';

/**
 * Verifies dashboard tokens with exactly one algorithm, so `alg: none` and algorithm swaps (an
 * RS256 public key used as an HS256 secret) are refused; `exp`, `iss` and `aud` are required.
 */
@Injectable()
export class DashboardTokenVerifier {
  private readonly key: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {
    this.key = loadVerificationKey(env);
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    // The scheme name is case-insensitive (RFC 9110); the token itself is base64url and dots.
    const token = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(
      authorization ?? '',
    )?.[1];
    if (!token) {
      throw new ServiceError('unauthenticated', 'a bearer token is required');
    }

    let claims: unknown;
    try {
      claims = await this.jwt.verifyAsync(token, {
        algorithms: [this.env.DASHBOARD_JWT_ALGORITHM],
        issuer: this.env.DASHBOARD_JWT_ISSUER,
        audience: this.env.DASHBOARD_JWT_AUDIENCE,
        // jsonwebtoken takes key objects; @nestjs/jwt's option type names only strings and buffers.
        ...(this.env.DASHBOARD_JWT_ALGORITHM === 'HS256'
          ? { secret: this.key as unknown as Buffer }
          : { publicKey: this.key as unknown as Buffer }),
      });
    } catch {
      throw new ServiceError('unauthenticated', 'the bearer token is invalid or expired');
    }

    if (typeof (claims as { exp?: unknown }).exp !== 'number') {
      throw new ServiceError('unauthenticated', 'the bearer token has no expiry');
    }

    const parsed = dashboardClaimsSchema.safeParse(claims);
    if (!parsed.success) {
      throw new ServiceError(
        'unauthenticated',
        'the bearer token lacks a valid tenant, role or plan',
      );
    }

    return {
      userId: parsed.data.sub,
      tenantId: parsed.data.tenant_id,
      role: parsed.data.role,
      plan: parsed.data.plan,
    };
  }
}
