import type { SystemFixture } from '../support/system-fixture';

export const CONFIG_PATH = '/dashboard/account/config';

export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  requestId?: string;
}

export interface OutboxRow {
  id: string;
  tenant_id: string;
  payload: {
    actor_id: string;
    tenant_id: string;
    request_id: string;
    source_ip: string | null;
    user_agent: string | null;
    config_version: number;
    before: { mode: string; providers: string[] };
    after: { mode: string; providers: string[] };
  };
}

/**
 * Everything the configuration service keeps, as one comparable string: settings, ciphertexts
 * and the audit outbox. Publication bookkeeping is left out, since the relay updates it anytime.
 */
export async function storageOf(fixture: SystemFixture): Promise<string> {
  const configs = await fixture.query(
    `SELECT tenant_id, mode, version, openai_organization, azure_endpoint, azure_deployment_id,
            azure_region, updated_at
       FROM byok_config.tenant_configs ORDER BY tenant_id`,
  );
  const secrets = await fixture.query(
    `SELECT tenant_id, field, ciphertext, key_version, updated_at
       FROM byok_config.tenant_secrets ORDER BY tenant_id, field`,
  );
  const outbox = await fixture.query(
    `SELECT id, tenant_id, payload FROM byok_config.outbox_events ORDER BY seq`,
  );

  return JSON.stringify({ configs, secrets, outbox });
}

export async function outboxOf(fixture: SystemFixture, tenantId: string): Promise<OutboxRow[]> {
  return fixture.query<OutboxRow>(
    `SELECT id, tenant_id, payload FROM byok_config.outbox_events
      WHERE tenant_id = $1 ORDER BY seq`,
    [tenantId],
  );
}

export async function secretFieldsOf(fixture: SystemFixture, tenantId: string): Promise<string[]> {
  const rows = await fixture.query<{ field: string }>(
    `SELECT field FROM byok_config.tenant_secrets WHERE tenant_id = $1 ORDER BY field`,
    [tenantId],
  );

  return rows.map((row) => row.field);
}

/** Every recorded response, headers and body, as leak-search haystacks. */
export function responseHaystacks(fixture: SystemFixture): Array<{ where: string; text: string }> {
  return fixture.responses.map((response) => ({
    where: `${response.method} ${response.path} (${response.status})`,
    text: JSON.stringify(response.headers) + response.body,
  }));
}
