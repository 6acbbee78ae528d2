import { type DynamicModule, Module, type Provider } from '@nestjs/common';

import type { RouterEnvironment } from '@liya/environment';

import { CallRecorder } from './chat/call-recorder';
import { ChatRpcController } from './chat/chat-rpc.controller';
import { ChatStreamController } from './chat/chat-stream.controller';
import { ChatService } from './chat/chat.service';
import { ROUTER_ENVIRONMENT } from './config/router-environment.token';
import { ChatGrpcServer } from './grpc/chat-grpc.server';
import { ProviderHttp } from './http/provider-http';
import { AnthropicChatProvider } from './providers/anthropic-chat.provider';
import { OpenAiChatProvider } from './providers/openai-chat.provider';
import { TenantConfigCache } from './routing/tenant-config-cache';
import { UsagePublisher } from './usage/usage-publisher';
import { KeyVerificationRpcController } from './verification/key-verification-rpc.controller';
import { KeyVerificationService } from './verification/key-verification.service';

@Module({})
export class RouterModule {
  static register(env: RouterEnvironment, sharedProviders: Provider[]): DynamicModule {
    return {
      module: RouterModule,
      providers: [
        ...sharedProviders,
        { provide: ROUTER_ENVIRONMENT, useValue: env },
        ProviderHttp,
        TenantConfigCache,
        UsagePublisher,
        CallRecorder,
        OpenAiChatProvider,
        AnthropicChatProvider,
        ChatService,
        ChatRpcController,
        ChatStreamController,
        ChatGrpcServer,
        KeyVerificationService,
        KeyVerificationRpcController,
      ],
    };
  }
}
