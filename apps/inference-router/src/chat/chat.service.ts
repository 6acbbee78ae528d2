import { existsSync, rmSync } from 'node:fs';

import { Inject, Injectable } from '@nestjs/common';

import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionUsage,
  type ChatReply,
  type ChatRequest,
  CryptoRpc,
  type KeySource,
  parseChatCompletionRequest,
  type ProviderName,
  ServiceError,
} from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';
import { RpcClient } from '@liya/messaging';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { AnthropicChatProvider } from '../providers/anthropic-chat.provider';
import type { ChatProvider, ProviderCall } from '../providers/chat-provider';
import { OpenAiChatProvider } from '../providers/openai-chat.provider';
import {
  type ManagedKeys,
  modelFor,
  type ProviderRoute,
  selectRoute,
} from '../routing/provider-route';
import { TenantConfigCache } from '../routing/tenant-config-cache';
import { CallRecorder } from './call-recorder';

const DECRYPT_TIMEOUT_MS = 2000;

/** A provider call plus what its record needs (never the key). */
type PreparedCall = ProviderCall & {
  record: { request: ChatRequest; route: ProviderRoute; model: string };
};

export interface OpenedChatStream {
  provider: ProviderName;
  keySource: KeySource;
  chunks: AsyncIterable<ChatCompletionChunk>;
}

/**
 * Serves one chat completion, whole or streamed: resolve the tenant, pick the provider, decrypt
 * the key for this call only, call the provider, record the call. Every transport ends here.
 */
@Injectable()
export class ChatService {
  private readonly managedKeys: ManagedKeys;

  constructor(
    private readonly configCache: TenantConfigCache,
    private readonly rpc: RpcClient,
    private readonly openAi: OpenAiChatProvider,
    private readonly anthropic: AnthropicChatProvider,
    private readonly recorder: CallRecorder,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
  ) {
    this.managedKeys = { openai: env.LIYA_OPENAI_API_KEY, anthropic: env.LIYA_ANTHROPIC_API_KEY };
  }

  async complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatReply> {
    const body = parseChatCompletionRequest(request.body);
    if (body.stream) {
      throw new ServiceError('invalid_field', 'stream must be false on this operation', {
        field: 'stream',
      });
    }

    const call = await this.prepare(request, body, signal);
    const startedAt = process.hrtime.bigint();
    const finish = (outcome: string, usage?: ChatCompletionUsage) =>
      this.recorder.finish({ ...call.record, startedAt, outcome, usage, streamed: false });

    try {
      const completion = await this.providerFor(call.route).complete(call);

      finish('ok', completion.usage);

      return { provider: call.route.provider, keySource: call.route.key.source, completion };
    } catch (error) {
      finish(outcomeOf(error));

      throw error;
    }
  }

  /**
   * Opens a stream; resolves once the provider accepted the call. Usage-only chunks reach the
   * caller only when it asked for them (`stream_options.include_usage`), as with OpenAI.
   */
  async openStream(request: ChatRequest, signal: AbortSignal): Promise<OpenedChatStream> {
    const body = parseChatCompletionRequest(request.body);
    const call = await this.prepare(request, body, signal);
    const startedAt = process.hrtime.bigint();
    const finish = (outcome: string, usage: ChatCompletionUsage | null) =>
      this.recorder.finish({ ...call.record, startedAt, outcome, usage, streamed: true });

    let chunks: AsyncIterable<ChatCompletionChunk>;
    try {
      chunks = await this.providerFor(call.route).stream(call);
    } catch (error) {
      finish(outcomeOf(error), null);

      throw error;
    }

    const includeUsage = body.stream_options?.include_usage === true;

    return {
      provider: call.route.provider,
      keySource: call.route.key.source,
      chunks: recorded(chunks, includeUsage, signal, finish),
    };
  }

  private async prepare(
    request: ChatRequest,
    body: ChatCompletionRequest,
    signal?: AbortSignal,
  ): Promise<PreparedCall> {
    const config = await this.configCache.get(request.tenantId);
    const route = selectRoute(config, this.managedKeys, body.model);
    const apiKey = await this.keyFor(request.tenantId, route);
    const model = modelFor(route, body.model, this.env.ANTHROPIC_DEFAULT_MODEL);

    return { route, apiKey, body, model, signal, record: { request, route, model } };
  }

  private async keyFor(tenantId: string, route: ProviderRoute): Promise<string> {
    if (route.key.source === 'managed') return route.key.apiKey;

    const { plaintext } = await this.rpc.call(
      CryptoRpc.decrypt,
      { tenantId, field: route.key.field, ciphertext: route.key.ciphertext },
      DECRYPT_TIMEOUT_MS,
    );

    crashIfArmed(this.env, plaintext);

    return plaintext;
  }

  private providerFor(route: ProviderRoute): ChatProvider {
    return route.provider === 'anthropic' ? this.anthropic : this.openAi;
  }
}

/**
 * Test-only fault point: plays a bug that puts a decrypted key into an exception that kills the
 * process, so the leak tests can check what a crash writes out. It needs NODE_ENV=test and an
 * existing arming file, which the tests create; the file is removed when the fault fires.
 */
function crashIfArmed(env: RouterEnvironment, plaintext: string): void {
  const armingFile = env.LIYA_TEST_FAULT_ROUTER_CRASH_AFTER_DECRYPT_FILE;
  if (env.NODE_ENV !== 'test' || !armingFile || !existsSync(armingFile)) return;

  rmSync(armingFile, { force: true });
  setImmediate(() => {
    throw new Error(`provider call failed with key ${plaintext}`);
  });
}

function outcomeOf(error: unknown): string {
  return error instanceof ServiceError ? error.code : 'internal_error';
}

async function* recorded(
  chunks: AsyncIterable<ChatCompletionChunk>,
  includeUsage: boolean,
  signal: AbortSignal,
  finish: (outcome: string, usage: ChatCompletionUsage | null) => void,
): AsyncIterable<ChatCompletionChunk> {
  let usage: ChatCompletionUsage | null = null;
  let outcome = 'cancelled';

  try {
    for await (const chunk of chunks) {
      if (chunk.usage) usage = chunk.usage;
      if (chunk.choices.length === 0 && !includeUsage) continue;

      yield includeUsage || !chunk.usage ? chunk : { ...chunk, usage: undefined };
    }

    outcome = 'ok';
  } catch (error) {
    outcome = signal.aborted ? 'cancelled' : outcomeOf(error);

    throw error;
  } finally {
    finish(outcome, usage);
  }
}
