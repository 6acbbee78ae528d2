export * from './cipher-error';
export * from './ciphertext-format';
export * from './key-ring';
export * from './key-ring-file';
export * from './envelope-cipher';
