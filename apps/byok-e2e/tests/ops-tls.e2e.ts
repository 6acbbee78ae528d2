import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion, TLSSocket } from 'node:tls';

import { findNatsServer, freePort, startPrivateNats } from '@liya/dev-kit';

import {
  eventually,
  type ServiceProcess,
  spawnService,
  statusOf,
} from '../support/ops/service-process';

// A self-signed P-256 certificate for localhost and 127.0.0.1, its own CA.
function generateCertificate(certFile: string, keyFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
}

interface TlsAnswer {
  status: number;
  protocol: string | null;
}

function getOverTls(port: number, ca: Buffer, version: SecureVersion): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path: '/healthz',
        ca,
        servername: 'localhost',
        minVersion: version,
        maxVersion: version,
        agent: false,
        timeout: 3000,
      },
      (response) => {
        const protocol = (response.socket as TLSSocket).getProtocol();

        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, protocol }));
      },
    );

    call.on('timeout', () => call.destroy(new Error('timed out')));
    call.on('error', reject);
    call.end();
  });
}

describe('the gateway with a certificate', () => {
  const directory = mkdtempSync(join(tmpdir(), 'liya-tls-'));
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  const jwtSecret = randomBytes(32).toString('hex');
  let nats: Awaited<ReturnType<typeof startPrivateNats>>;
  let gateway: ServiceProcess;
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    generateCertificate(certFile, keyFile);
    ca = readFileSync(certFile);

    const binary = findNatsServer();
    if (!binary) throw new Error('these tests need nats-server on the PATH');

    nats = await startPrivateNats(binary);
    port = await freePort();
    gateway = spawnService('gateway', {
      NATS_URL: nats.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DASHBOARD_JWT_SECRET: jwtSecret,
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
    });

    await eventually(
      async () => ((await getOverTls(port, ca, 'TLSv1.3')).status === 200 ? true : undefined),
      'the gateway to answer over TLS',
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await nats?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('serves a TLS 1.3 client', async () => {
    const answer = await getOverTls(port, ca, 'TLSv1.3');

    expect(answer).toEqual({ status: 200, protocol: 'TLSv1.3' });
  });

  it('refuses a client that speaks at most TLS 1.2', async () => {
    await expect(getOverTls(port, ca, 'TLSv1.2')).rejects.toThrow(/protocol version|alert/i);
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const plain = fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });

    await expect(plain.then((response) => response.status)).rejects.toThrow();
  });

  it('logs its configuration with the secret shown as redacted and never its value', () => {
    const output = [...gateway.stdout, ...gateway.stderr].join('\n');
    const loaded = gateway.stdout.find((line) => line.includes('"configuration loaded"'));

    expect(JSON.parse(loaded ?? '{}').configuration).toMatchObject({
      DASHBOARD_JWT_SECRET: '[redacted]',
      TLS_CERT_FILE: certFile,
    });
    expect(output).not.toContain(jwtSecret);
  });
});

describe('services on a NATS server that requires TLS with client certificates', () => {
  const directory = mkdtempSync(join(tmpdir(), 'liya-nats-tls-'));
  const certFile = join(directory, 'nats.crt');
  const keyFile = join(directory, 'nats.key');
  let nats: Awaited<ReturnType<typeof startPrivateNats>>;
  const started: ServiceProcess[] = [];

  const gatewayOn = async (tls: Record<string, string>) => {
    const port = await freePort();
    const gateway = spawnService('gateway', {
      NATS_URL: nats.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DASHBOARD_JWT_SECRET: randomBytes(32).toString('hex'),
      ...tls,
    });

    started.push(gateway);

    return { gateway, readyz: `http://127.0.0.1:${port}/readyz` };
  };

  beforeAll(async () => {
    generateCertificate(certFile, keyFile);

    const binary = findNatsServer();
    if (!binary) throw new Error('these tests need nats-server on the PATH');

    const tlsArgs = ['--tlsverify', '--tlscert', certFile, '--tlskey', keyFile];

    nats = await startPrivateNats(binary, [...tlsArgs, '--tlscacert', certFile]);
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await nats?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('connects with the CA and client certificate files and reports ready', async () => {
    const { readyz } = await gatewayOn({
      NATS_TLS_CA_FILE: certFile,
      NATS_TLS_CERT_FILE: certFile,
      NATS_TLS_KEY_FILE: keyFile,
    });

    await expect(statusOf(readyz, 200, 30_000)).resolves.toMatchObject({
      checks: { nats: 'up' },
    });
  });

  it('cannot start without a client certificate, and says so in one line', async () => {
    const { gateway } = await gatewayOn({ NATS_TLS_CA_FILE: certFile });

    const { code } = await gateway.exited;

    expect(code).toBe(1);
    expect(gateway.stderr).toEqual([
      expect.stringMatching(/^gateway: cannot start: cannot reach NATS at nats:\/\/127\.0\.0\.1:/),
    ]);
  });
});
