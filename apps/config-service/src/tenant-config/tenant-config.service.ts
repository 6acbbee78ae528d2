import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource, type EntityManager, In } from 'typeorm';

import {
  BYOK_CONFIG_UPDATED_ACTION,
  BYOK_CONFIG_UPDATED_SUBJECT,
  type ByokConfigUpdatedEvent,
  byokConfigUpdatedEventSchema,
  checkAzureEndpoint,
  configChangedSubject,
  CryptoRpc,
  parseConfigPatchBody,
  type ProviderConfigView,
  type ResolvedConfig,
  type SecretField,
  ServiceError,
  type UpdateConfigRequest,
} from '@liya/contracts';
import { NATS_CONNECTION, RpcClient } from '@liya/messaging';
import { APP_LOGGER, type AppLogger } from '@liya/runtime';

import { OutboxEventEntity } from '../outbox/outbox-event.entity';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { PROVIDER_HOST_ALLOWLIST } from './config.tokens';
import {
  applyPatch,
  assertMayWrite,
  assertPlanAllows,
  type ConfigState,
  EMPTY_CONFIG,
  snapshotOf,
  usableProviders,
  viewOf,
} from './config-policy';
import { TenantConfigEntity } from './tenant-config.entity';
import { TenantSecretEntity } from './tenant-secret.entity';

interface LoadedConfig {
  state: ConfigState;
  version: number;
  updatedAt: Date | null;
  secrets: Map<SecretField, TenantSecretEntity>;
  row: TenantConfigEntity | null;
}

@Injectable()
export class TenantConfigService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rpc: RpcClient,
    private readonly outboxRelay: OutboxRelay,
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    @Inject(PROVIDER_HOST_ALLOWLIST) private readonly hostAllowlist: string[],
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  async get(tenantId: string): Promise<ProviderConfigView> {
    const loaded = await this.load(this.dataSource.manager, tenantId, false);

    return viewOf(loaded.state, loaded.version, loaded.updatedAt);
  }

  /**
   * Validates, encrypts the new keys, then applies the change and writes its audit event in one
   * transaction holding the tenant's row lock, so concurrent writes serialise and none is lost.
   */
  async update(request: UpdateConfigRequest): Promise<ProviderConfigView> {
    const { actor, meta } = request;

    assertMayWrite(actor.role);

    const { providerConfig: patch } = parseConfigPatchBody({ providerConfig: request.patch });
    if (typeof patch.azure_openai_endpoint === 'string') {
      this.checkEndpoint(patch.azure_openai_endpoint);
    }

    // Refused before encrypting, so a key of an ineligible tenant never reaches the crypto service.
    assertPlanAllows(patch, actor.plan);

    // Encrypting before the transaction keeps remote calls out of the row lock.
    const ciphertexts = await this.encryptSecrets(actor.tenantId, patch);

    const result = await this.dataSource.transaction(async (manager) => {
      const current = await this.load(manager, actor.tenantId, true);

      if (request.expectedVersion !== undefined && request.expectedVersion !== current.version) {
        throw new ServiceError('version_conflict', 'the configuration changed since that version', {
          field: 'If-Match',
        });
      }

      const outcome = applyPatch(current.state, patch, actor.plan);
      const version = current.version + 1;

      const saved = await manager.save(TenantConfigEntity, {
        tenantId: actor.tenantId,
        mode: outcome.next.mode,
        version,
        openaiOrganization: outcome.next.openaiOrganization,
        azureEndpoint: outcome.next.azureEndpoint,
        azureDeploymentId: outcome.next.azureDeploymentId,
        azureRegion: outcome.next.azureRegion,
      });

      if (outcome.secretsToErase.length > 0) {
        await manager.delete(TenantSecretEntity, {
          tenantId: actor.tenantId,
          field: In(outcome.secretsToErase),
        });
      }

      for (const field of outcome.secretsToWrite) {
        const encrypted = ciphertexts.get(field);
        if (!encrypted) throw new Error(`no ciphertext was prepared for ${field}`);

        await manager.upsert(
          TenantSecretEntity,
          { tenantId: actor.tenantId, field, ...encrypted },
          ['tenantId', 'field'],
        );
      }

      const event: ByokConfigUpdatedEvent = byokConfigUpdatedEventSchema.parse({
        schema_version: 1,
        event_id: randomUUID(),
        action: BYOK_CONFIG_UPDATED_ACTION,
        tenant_id: actor.tenantId,
        actor_id: actor.userId,
        occurred_at: new Date().toISOString(),
        before: snapshotOf(current.state),
        after: snapshotOf(outcome.next),
        config_version: version,
        request_id: meta.requestId,
        source_ip: meta.sourceIp,
        user_agent: meta.userAgent,
      });

      await manager.insert(OutboxEventEntity, {
        id: event.event_id,
        tenantId: actor.tenantId,
        subject: BYOK_CONFIG_UPDATED_SUBJECT,
        payload: event,
      });

      return { state: outcome.next, version, updatedAt: saved.updatedAt, eventId: event.event_id };
    });

    this.logger.info(
      {
        tenantId: actor.tenantId,
        actorId: actor.userId,
        requestId: meta.requestId,
        version: result.version,
        mode: result.state.mode,
        providers: usableProviders(result.state),
        eventId: result.eventId,
      },
      'configuration updated',
    );

    this.outboxRelay.wake();
    this.connection.publish(
      configChangedSubject(actor.tenantId),
      JSON.stringify({ tenantId: actor.tenantId, version: result.version }),
    );

    return viewOf(result.state, result.version, result.updatedAt);
  }

  /** Ciphertexts and settings of the usable providers, for the router; never plaintext. */
  async resolve(tenantId: string): Promise<ResolvedConfig> {
    const loaded = await this.load(this.dataSource.manager, tenantId, false);
    const resolved: ResolvedConfig = { tenantId, mode: loaded.state.mode, version: loaded.version };
    if (loaded.state.mode !== 'byok') return resolved;

    const providers = usableProviders(loaded.state);
    const ciphertextOf = (field: SecretField) => loaded.secrets.get(field)?.ciphertext ?? '';

    if (providers.includes('openai')) {
      resolved.openai = { ciphertext: ciphertextOf('openai_api_key') };
      if (loaded.state.openaiOrganization) {
        resolved.openai.organization = loaded.state.openaiOrganization;
      }
    }
    if (providers.includes('anthropic')) {
      resolved.anthropic = { ciphertext: ciphertextOf('anthropic_api_key') };
    }
    if (providers.includes('azure')) {
      resolved.azure = {
        ciphertext: ciphertextOf('azure_openai_key'),
        endpoint: loaded.state.azureEndpoint ?? '',
        deploymentId: loaded.state.azureDeploymentId ?? '',
      };
      if (loaded.state.azureRegion) resolved.azure.region = loaded.state.azureRegion;
    }

    return resolved;
  }

  private checkEndpoint(endpoint: string): void {
    const verdict = checkAzureEndpoint(endpoint, this.hostAllowlist);
    if (!verdict.ok) {
      throw new ServiceError(
        'invalid_field',
        `providerConfig.azure_openai_endpoint ${verdict.reason}`,
        {
          field: 'providerConfig.azure_openai_endpoint',
        },
      );
    }
  }

  private async encryptSecrets(
    tenantId: string,
    patch: UpdateConfigRequest['patch'],
  ): Promise<Map<SecretField, { ciphertext: string; keyVersion: string }>> {
    const fields = (['openai_api_key', 'anthropic_api_key', 'azure_openai_key'] as const).filter(
      (field) => typeof patch[field] === 'string',
    );

    const encrypted = await Promise.all(
      fields.map(async (field) => {
        const plaintext = patch[field] as string;
        const reply = await this.rpc.call(CryptoRpc.encrypt, { tenantId, field, plaintext });

        return [field, reply] as const;
      }),
    );

    return new Map(encrypted);
  }

  private async load(
    manager: EntityManager,
    tenantId: string,
    forUpdate: boolean,
  ): Promise<LoadedConfig> {
    if (forUpdate) {
      // A placeholder row gives even a tenant's first write a row to lock.
      await manager
        .createQueryBuilder()
        .insert()
        .into(TenantConfigEntity)
        .values({ tenantId, mode: 'liya_managed', version: 0 })
        .orIgnore()
        .execute();
    }

    const row = await manager.findOne(TenantConfigEntity, {
      where: { tenantId },
      lock: forUpdate ? { mode: 'pessimistic_write' } : undefined,
    });
    const secretRows = await manager.find(TenantSecretEntity, { where: { tenantId } });
    const secrets = new Map(secretRows.map((secret) => [secret.field, secret]));

    if (!row || row.version === 0) {
      return { state: EMPTY_CONFIG, version: 0, updatedAt: null, secrets, row };
    }

    return {
      state: {
        mode: row.mode,
        openaiOrganization: row.openaiOrganization,
        azureEndpoint: row.azureEndpoint,
        azureDeploymentId: row.azureDeploymentId,
        azureRegion: row.azureRegion,
        storedSecrets: new Set(secrets.keys()),
      },
      version: row.version,
      updatedAt: row.updatedAt,
      secrets,
      row,
    };
  }
}
