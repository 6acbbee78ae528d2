import type { ChatCompletion, ChatCompletionRequest } from '@liya/contracts';

import type { ProviderRoute } from '../routing/provider-route';

/** One provider call with the key already decrypted; the key lives only as long as the call. */
export interface ProviderCall {
  route: ProviderRoute;
  apiKey: string;
  body: ChatCompletionRequest;
  signal?: AbortSignal;
}

export interface ChatProvider {
  complete(call: ProviderCall): Promise<ChatCompletion>;
}
