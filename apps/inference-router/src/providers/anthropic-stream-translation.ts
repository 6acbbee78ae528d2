import type Anthropic from '@anthropic-ai/sdk';

import type { ChatCompletionChunk, ChatCompletionUsage } from '@liya/contracts';

import { finishReasonOf } from './anthropic-translation';

/**
 * Anthropic's event stream as Chat Completions chunks: the opening chunk carries the assistant
 * role, each text delta becomes a content chunk, `message_delta` gives the finish reason, and a
 * last chunk with no choices carries the usage (input tokens come at the start, output at the end).
 */
export async function* toChatCompletionChunks(
  events: AsyncIterable<Anthropic.RawMessageStreamEvent>,
): AsyncIterable<ChatCompletionChunk> {
  const created = Math.floor(Date.now() / 1000);
  let id = '';
  let model = '';
  let inputTokens = 0;
  let outputTokens = 0;

  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finishReason: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  for await (const event of events) {
    switch (event.type) {
      case 'message_start':
        id = event.message.id;
        model = event.message.model;
        inputTokens = event.message.usage.input_tokens;
        outputTokens = event.message.usage.output_tokens;
        yield chunk({ role: 'assistant', content: '' });
        break;

      case 'content_block_delta':
        if (event.delta.type === 'text_delta') yield chunk({ content: event.delta.text });
        break;

      case 'message_delta':
        outputTokens = event.usage.output_tokens ?? outputTokens;
        if (typeof event.usage.input_tokens === 'number') inputTokens = event.usage.input_tokens;
        yield chunk({}, finishReasonOf(event.delta.stop_reason) ?? 'stop');
        break;

      case 'message_stop': {
        const usage: ChatCompletionUsage = {
          prompt_tokens: inputTokens,
          completion_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
        };

        yield { ...chunk({}), choices: [], usage };

        return;
      }

      default:
        break;
    }
  }
}
