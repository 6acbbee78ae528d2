import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The AES-256-GCM work of one crypto-service operation (fresh cipher, associated data, 128-bit
 * tag), on a ciphertext string of the same shape, for the benchmark's baselines. The key is a
 * random benchmark key; crypto-core stays crypto-service's alone.
 */
export function benchCipher(subkey: Buffer, associatedData: string) {
  const aad = Buffer.from(associatedData);

  const seal = (plaintext: string): string => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', subkey, nonce, { authTagLength: 16 });

    cipher.setAAD(aad);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);

    return ['lbk1', '1', nonce, sealed, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  };

  const open = (ciphertext: string): string => {
    const [, , nonce, sealed, tag] = ciphertext.split(':') as string[];
    const decipher = createDecipheriv('aes-256-gcm', subkey, Buffer.from(nonce!, 'base64url'), {
      authTagLength: 16,
    });

    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));

    return Buffer.concat([
      decipher.update(Buffer.from(sealed!, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  };

  return { seal, open };
}
