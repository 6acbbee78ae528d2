export type CipherErrorKind =
  | 'malformed_ciphertext'
  | 'unknown_key_version'
  | 'retired_key_version'
  | 'integrity_failure'
  | 'invalid_input'
  | 'plaintext_too_large';

/** A typed failure whose message is fixed by us and holds neither key nor plaintext. */
export class CipherError extends Error {
  constructor(
    readonly kind: CipherErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CipherError';
  }
}
