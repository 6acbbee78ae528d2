import { type DynamicModule, Module, type Provider } from '@nestjs/common';

import { ChatRpcController } from './chat/chat-rpc.controller';
import { ChatService } from './chat/chat.service';
import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from './config/router-environment.token';
import { AnthropicChatProvider } from './providers/anthropic-chat.provider';
import { OpenAiChatProvider } from './providers/openai-chat.provider';
import { TenantConfigCache } from './routing/tenant-config-cache';

@Module({})
export class RouterModule {
  static register(env: RouterEnvironment, sharedProviders: Provider[]): DynamicModule {
    return {
      module: RouterModule,
      providers: [
        ...sharedProviders,
        { provide: ROUTER_ENVIRONMENT, useValue: env },
        TenantConfigCache,
        OpenAiChatProvider,
        AnthropicChatProvider,
        ChatService,
        ChatRpcController,
      ],
    };
  }
}
