import { execFileSync } from 'node:child_process';

import { plaintextByDesign } from '../support/bus-recorder';
import { LeakScanner } from '../support/leak-scanner';
import { canaryKey, randomPartOf } from '../support/system-fixture';

// The leak search is only worth its green result if it turns red on a leak.
describe('the leak search', () => {
  it('catches a service that logs a key', () => {
    const key = canaryKey('sk-proj-');
    const careless =
      'process.stdout.write(JSON.stringify({ level: "debug", service: "careless-service", ' +
      'msg: "calling provider", apiKey: process.env.PROVIDER_KEY }) + "\\n")';
    const output = execFileSync(process.execPath, ['-e', careless], {
      env: { PROVIDER_KEY: key },
      encoding: 'utf8',
    });

    const findings = new LeakScanner({ planted: key }).scan([
      { kind: 'log', where: 'careless-service', text: output },
    ]);

    expect(findings).toEqual([
      { kind: 'log', where: 'careless-service', canary: 'planted', fragment: expect.any(String) },
    ]);
  });

  it('catches a masked or truncated copy of a key', () => {
    const key = canaryKey('sk-ant-api03-');
    const random = randomPartOf(key);
    const masked = `Incorrect API key provided: sk-ant-${random.slice(4, 12)}****`;

    const findings = new LeakScanner({ planted: key }).scan([
      { kind: 'http', where: 'POST /v1/chat/completions', text: masked },
      { kind: 'http', where: 'GET /dashboard/account/config', text: random.slice(0, 7) },
    ]);

    expect(findings.map((finding) => finding.where)).toEqual(['POST /v1/chat/completions']);
  });

  it('excuses plaintext only on the update, the encrypt request and the decrypt reply', () => {
    const messages = [
      { subject: 'config.update', data: 'key' },
      { subject: 'crypto.encrypt', data: 'key' },
      { subject: 'crypto.decrypt', reply: '_INBOX.inference-router.a.1', data: 'ciphertext' },
      { subject: '_INBOX.inference-router.a.1', data: 'key' },
      { subject: '_INBOX.inference-router.a.2', data: 'key' },
      { subject: 'config.resolve', data: 'key' },
    ];
    const allowed = plaintextByDesign(messages);

    expect(messages.map((message) => allowed(message))).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
  });
});
