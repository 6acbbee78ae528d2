import { type DynamicModule, Module, type Provider } from '@nestjs/common';

import { EnvelopeCipher, type KeyRing } from '@liya/crypto-core';

import { CryptoOperationsService } from './operations/crypto-operations.service';
import { CryptoResponder } from './operations/crypto-responder';

@Module({})
export class CryptoModule {
  static register(keyRing: KeyRing, sharedProviders: Provider[]): DynamicModule {
    return {
      module: CryptoModule,
      providers: [
        ...sharedProviders,
        { provide: EnvelopeCipher, useValue: new EnvelopeCipher(keyRing) },
        CryptoOperationsService,
        CryptoResponder,
      ],
    };
  }
}
