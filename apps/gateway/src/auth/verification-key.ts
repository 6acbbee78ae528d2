import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { GatewayEnvironment } from '@liya/environment';

type KeySettings = Pick<
  GatewayEnvironment,
  | 'DASHBOARD_JWT_ALGORITHM'
  | 'DASHBOARD_JWT_SECRET'
  | 'DASHBOARD_JWT_PUBLIC_KEY'
  | 'DASHBOARD_JWT_PUBLIC_KEY_FILE'
>;

/**
 * The key dashboard tokens are verified with. A public key is checked once, at start-up, to be a
 * key of the configured algorithm, so a wrong or mangled key stops the gateway instead of
 * answering every request with 401. Keys are returned as key objects: given a string,
 * jsonwebtoken first tries it as a PEM and pays for a thrown error on every request.
 */
export function loadVerificationKey(settings: KeySettings): KeyObject {
  const algorithm = settings.DASHBOARD_JWT_ALGORITHM;
  if (algorithm === 'HS256') {
    return createSecretKey(Buffer.from(settings.DASHBOARD_JWT_SECRET ?? '', 'utf8'));
  }

  const source = settings.DASHBOARD_JWT_PUBLIC_KEY
    ? 'DASHBOARD_JWT_PUBLIC_KEY'
    : 'DASHBOARD_JWT_PUBLIC_KEY_FILE';
  // Environment variables often carry a PEM with its line breaks written as "\n".
  const pem = (
    settings.DASHBOARD_JWT_PUBLIC_KEY ?? readPemFile(settings.DASHBOARD_JWT_PUBLIC_KEY_FILE ?? '')
  ).replace(/\\n/g, '\n');

  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error(`${source} is not a PEM public key`);
  }

  const details = key.asymmetricKeyDetails;
  if (algorithm === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048) {
      throw new Error(`${source} must be an RSA public key of at least 2048 bits for RS256`);
    }
  } else if (key.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new Error(`${source} must be a P-256 EC public key for ES256`);
  }

  return key;
}

function readPemFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`DASHBOARD_JWT_PUBLIC_KEY_FILE ${path} cannot be read`);
  }
}
