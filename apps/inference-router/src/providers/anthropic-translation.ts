import type Anthropic from '@anthropic-ai/sdk';

import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  FinishReason,
} from '@liya/contracts';

// Anthropic requires max_tokens; OpenAI callers often leave it out.
const DEFAULT_MAX_TOKENS = 1024;

function textOf(content: ChatMessage['content']): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/**
 * Chat Completions to Anthropic Messages: system and developer messages become the system prompt,
 * the rest keep their order; `stop` becomes stop sequences. The Messages API this SDK speaks takes
 * no sampling parameters, so temperature and top_p are not forwarded.
 */
export function toAnthropicRequest(
  body: ChatCompletionRequest,
  model: string,
): Anthropic.MessageCreateParamsNonStreaming {
  const system = body.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => textOf(message.content))
    .join('\n\n');

  const messages = body.messages
    .filter((message) => message.role === 'user' || message.role === 'assistant')
    .map((message) => ({
      role: message.role as 'user' | 'assistant',
      content: textOf(message.content),
    }));

  const request: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    messages,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
  };

  if (system) request.system = system;
  if (body.stop !== undefined) {
    request.stop_sequences = typeof body.stop === 'string' ? [body.stop] : body.stop;
  }

  return request;
}

export function finishReasonOf(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return stopReason ? 'stop' : null;
  }
}

export function fromAnthropicMessage(message: Anthropic.Message): ChatCompletion {
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  const promptTokens = message.usage.input_tokens;
  const completionTokens = message.usage.output_tokens;

  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: finishReasonOf(message.stop_reason),
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
