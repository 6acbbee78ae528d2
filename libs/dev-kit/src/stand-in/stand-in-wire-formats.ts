import { randomUUID } from 'node:crypto';

/** The answers the stand-in gives, in each provider's own wire format. */

export const STAND_IN_USAGE = { prompt: 5, completion: 7 };

export function replyText(provider: string): string {
  return `stand-in reply from ${provider}`;
}

/** The reply split into pieces, so a stream has several content chunks. */
export function replyPieces(provider: string, count = 3): string[] {
  const words = replyText(provider).split(' ');
  const size = Math.ceil(words.length / count);
  const pieces: string[] = [];

  for (let start = 0; start < words.length; start += size) {
    const last = start + size >= words.length;

    pieces.push(words.slice(start, start + size).join(' ') + (last ? '' : ' '));
  }

  return pieces;
}

export function openAiCompletion(model: string, content: string) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: STAND_IN_USAGE.prompt,
      completion_tokens: STAND_IN_USAGE.completion,
      total_tokens: STAND_IN_USAGE.prompt + STAND_IN_USAGE.completion,
    },
  };
}

export function anthropicMessage(model: string, content: string) {
  return {
    id: `msg_${randomUUID().replace(/-/g, '')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: content }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: STAND_IN_USAGE.prompt, output_tokens: STAND_IN_USAGE.completion },
  };
}

/** OpenAI / Azure streaming: `data:` lines of chunks, a usage chunk on request, `[DONE]`. */
export function openAiStreamEvents(
  model: string,
  pieces: string[],
  includeUsage: boolean,
  azure: boolean,
): string[] {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finishReason: string | null, extra: object = {}) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason, ...extra }],
  });
  const events: object[] = [];

  // Azure opens with a chunk that has no choices, only its prompt filter results.
  if (azure)
    events.push({
      id: '',
      object: '',
      created: 0,
      model: '',
      choices: [],
      prompt_filter_results: [],
    });
  events.push(chunk({ role: 'assistant', content: '' }, null));
  for (const piece of pieces) {
    events.push(chunk({ content: piece }, null, azure ? { content_filter_results: {} } : {}));
  }
  events.push(chunk({}, 'stop'));
  if (includeUsage) {
    events.push({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage: {
        prompt_tokens: STAND_IN_USAGE.prompt,
        completion_tokens: STAND_IN_USAGE.completion,
        total_tokens: STAND_IN_USAGE.prompt + STAND_IN_USAGE.completion,
      },
    });
  }

  return [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), 'data: [DONE]\n\n'];
}

/** Anthropic streaming: named events from message_start to message_stop, with pings. */
export function anthropicStreamEvents(model: string, pieces: string[]): string[] {
  const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const message = anthropicMessage(model, '');

  return [
    event('message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { input_tokens: STAND_IN_USAGE.prompt, output_tokens: 1 },
      },
    }),
    event('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    event('ping', { type: 'ping' }),
    ...pieces.map((text) =>
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: STAND_IN_USAGE.completion },
    }),
    event('message_stop', { type: 'message_stop' }),
  ];
}

export function openAiModelList() {
  return {
    object: 'list',
    data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'stand-in' }],
  };
}

export function anthropicModelList() {
  return {
    data: [
      {
        type: 'model',
        id: 'claude-sonnet-4-5',
        display_name: 'Claude',
        created_at: '2025-01-01T00:00:00Z',
      },
    ],
    has_more: false,
    first_id: 'claude-sonnet-4-5',
    last_id: 'claude-sonnet-4-5',
  };
}
