import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '@liya/contracts';

import type { ProviderRoute } from '../routing/provider-route';

/** One provider call with the key already decrypted; the key lives only as long as the call. */
export interface ProviderCall {
  route: ProviderRoute;
  apiKey: string;
  body: ChatCompletionRequest;
  /** The model the provider is asked for (for Azure, the tenant's deployment). */
  model: string;
  signal?: AbortSignal;
}

export interface ChatProvider {
  complete(call: ProviderCall): Promise<ChatCompletion>;

  /**
   * Opens a streamed completion. Resolves once the provider has accepted the call (so a rejected
   * key fails here, before anything is sent on); the chunks end with one carrying usage.
   */
  stream(call: ProviderCall): Promise<AsyncIterable<ChatCompletionChunk>>;

  /** One cheap authenticated call that proves the key works; throws the mapped error if not. */
  verify(route: ProviderRoute, apiKey: string, timeoutMs: number): Promise<void>;
}
