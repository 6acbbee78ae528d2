import type { DataSource } from 'typeorm';

import { provisionTestInfrastructure, type TestInfrastructure } from '@liya/dev-kit';
import { initializeDatabase, runMigrations } from '@liya/persistence';

import { createConfigDataSource } from '../src/database/data-source';
import { RewrapStore, type StaleSecret } from '../src/rewrap/rewrap-store';

describe('the rewrap store on PostgreSQL', () => {
  let infrastructure: TestInfrastructure;
  let dataSource: DataSource;
  let store: RewrapStore;

  const put = (tenantId: string, field: string, ciphertext: string, keyVersion: string) =>
    dataSource.query(
      `INSERT INTO byok_config.tenant_secrets (tenant_id, field, ciphertext, key_version)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, field) DO UPDATE SET ciphertext = $3, key_version = $4`,
      [tenantId, field, ciphertext, keyVersion],
    );
  const stored = async (tenantId: string, field: string) =>
    (
      await dataSource.query(
        `SELECT ciphertext, key_version FROM byok_config.tenant_secrets
          WHERE tenant_id = $1 AND field = $2`,
        [tenantId, field],
      )
    )[0];

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();

    const url = infrastructure.databaseUrl;

    await runMigrations(createConfigDataSource(url), url);
    dataSource = createConfigDataSource(url);
    await initializeDatabase(dataSource, url);
    store = new RewrapStore(dataSource);

    for (const tenant of ['acme', 'globex', 'initech']) {
      await dataSource.query(
        `INSERT INTO byok_config.tenant_configs (tenant_id, mode, version) VALUES ($1, 'byok', 4)`,
        [tenant],
      );
    }
    await put('acme', 'openai_api_key', 'lbk1:1:acme-openai', '1');
    await put('acme', 'anthropic_api_key', 'lbk1:2:acme-anthropic', '2');
    await put('globex', 'azure_openai_key', 'lbk1:1:globex-azure', '1');
    await put('initech', 'openai_api_key', 'lbk1:1:initech-openai', '1');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infrastructure?.release();
  });

  it('pages through the rows not under the active version, in key order', async () => {
    const first = await store.staleAfter('2', null, 2);
    const second = await store.staleAfter('2', first[1]!, 2);

    expect(first.map((row) => `${row.tenantId}/${row.field}`)).toEqual([
      'acme/openai_api_key',
      'globex/azure_openai_key',
    ]);
    expect(second.map((row) => `${row.tenantId}/${row.field}`)).toEqual(['initech/openai_api_key']);
    expect(first[0]).toMatchObject({ keyVersion: '1', configVersion: 4 });
  });

  it('writes a rewrapped ciphertext over the one it was made from', async () => {
    const [row] = (await store.staleAfter('2', null, 1)) as [StaleSecret];

    expect(
      await store.replaceIfUnchanged(row, { ciphertext: 'lbk1:2:rewrapped', keyVersion: '2' }),
    ).toBe(true);
    expect(await stored('acme', 'openai_api_key')).toEqual({
      ciphertext: 'lbk1:2:rewrapped',
      key_version: '2',
    });
  });

  it('never overwrites a key a PATCH stored after the row was read', async () => {
    const [row] = (await store.staleAfter('2', null, 1)) as [StaleSecret];

    expect(row.tenantId).toBe('globex');
    await put('globex', 'azure_openai_key', 'lbk1:2:newer-key-from-a-patch', '2');

    expect(
      await store.replaceIfUnchanged(row, { ciphertext: 'lbk1:2:stale', keyVersion: '2' }),
    ).toBe(false);
    expect(await stored('globex', 'azure_openai_key')).toEqual({
      ciphertext: 'lbk1:2:newer-key-from-a-patch',
      key_version: '2',
    });
  });

  it('does not bring back a key erased after the row was read', async () => {
    const [row] = (await store.staleAfter('2', null, 1)) as [StaleSecret];

    expect(row.tenantId).toBe('initech');
    await dataSource.query(`DELETE FROM byok_config.tenant_secrets WHERE tenant_id = 'initech'`);

    expect(await store.replaceIfUnchanged(row, { ciphertext: 'lbk1:2:x', keyVersion: '2' })).toBe(
      false,
    );
    expect(await stored('initech', 'openai_api_key')).toBeUndefined();
    expect(await store.countByKeyVersion()).toEqual({ 2: 3 });
  });
});
