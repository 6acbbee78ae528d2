import type OpenAI from 'openai';

import type { ChatCompletionChunk, FinishReason } from '@liya/contracts';

const FINISH_REASONS = new Set(['stop', 'length', 'content_filter', 'tool_calls']);

function finishReasonOf(value: string | null | undefined): FinishReason {
  if (!value) return null;

  return FINISH_REASONS.has(value) ? (value as FinishReason) : 'stop';
}

/**
 * Keeps only the Chat Completions chunk fields we promise, whichever deployment sent it, so a
 * provider's extra fields (Azure's filter results, for one) never reach the caller. Azure's
 * leading chunk with no choices and no usage carries nothing for the caller and is dropped.
 */
export function normalizeOpenAiChunk(
  chunk: OpenAI.Chat.Completions.ChatCompletionChunk,
): ChatCompletionChunk | undefined {
  if (chunk.choices.length === 0 && !chunk.usage) return undefined;

  const normalized: ChatCompletionChunk = {
    id: chunk.id,
    object: 'chat.completion.chunk',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((choice) => {
      const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
      if (choice.delta?.role === 'assistant') delta.role = 'assistant';
      if (typeof choice.delta?.content === 'string') delta.content = choice.delta.content;

      return { index: choice.index, delta, finish_reason: finishReasonOf(choice.finish_reason) };
    }),
  };

  if (chunk.usage) {
    normalized.usage = {
      prompt_tokens: chunk.usage.prompt_tokens,
      completion_tokens: chunk.usage.completion_tokens,
      total_tokens: chunk.usage.total_tokens,
    };
  }

  return normalized;
}
