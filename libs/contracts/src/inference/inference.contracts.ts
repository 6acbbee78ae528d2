import { rpcContract } from '../rpc/rpc-contract';
import type { KeySource, ProviderName } from '../provider-config/providers';
import type { ChatCompletion, ChatCompletionRequest } from './chat-completion';

export interface ChatRequest {
  tenantId: string;
  requestId: string;
  body: ChatCompletionRequest;
}

export interface ChatReply {
  provider: ProviderName;
  keySource: KeySource;
  completion: ChatCompletion;
}

export const InferenceRpc = {
  chat: rpcContract<ChatRequest, ChatReply>('inference.chat'),
};
