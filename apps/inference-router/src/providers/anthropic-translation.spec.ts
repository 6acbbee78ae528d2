import type Anthropic from '@anthropic-ai/sdk';

import type { ChatCompletionChunk } from '@liya/contracts';

import { toChatCompletionChunks } from './anthropic-stream-translation';
import { finishReasonOf, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation';

describe('Chat Completions to Anthropic Messages', () => {
  it('gathers system and developer messages into the system prompt, in order', () => {
    const request = toAnthropicRequest(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi ' },
              { type: 'text', text: 'there' },
            ],
          },
          { role: 'developer', content: 'Answer in French.' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: 'Encore' },
        ],
        stop: 'END',
        max_completion_tokens: 50,
      },
      'claude-sonnet-4-5',
    );

    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.\n\nAnswer in French.',
      messages: [
        { role: 'user', content: 'Hi there' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'Encore' },
      ],
      max_tokens: 50,
      stop_sequences: ['END'],
    });
  });

  it('sends no system prompt when there is none, and a default max_tokens', () => {
    const request = toAnthropicRequest(
      { model: 'claude-3-5-haiku', messages: [{ role: 'user', content: 'Hi' }] },
      'claude-3-5-haiku',
    );

    expect(request).not.toHaveProperty('system');
    expect(request.max_tokens).toBe(1024);
  });
});

describe('Anthropic answers to Chat Completions', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, null],
  ])('maps the stop reason %s to %s', (stopReason, finishReason) => {
    expect(finishReasonOf(stopReason)).toBe(finishReason);
  });

  it('joins text blocks and adds up usage', () => {
    const completion = fromAnthropicMessage({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'text', text: 'Hello, ', citations: null },
        { type: 'text', text: 'world', citations: null },
      ],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 4 },
    } as unknown as Anthropic.Message);

    expect(completion).toMatchObject({
      id: 'msg_1',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello, world' },
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
    });
  });

  it('turns the event stream into chunks: role, text, finish reason, usage', async () => {
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_2',
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: 9, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence' },
        usage: { output_tokens: 3 },
      },
      { type: 'message_stop' },
    ] as unknown as Anthropic.RawMessageStreamEvent[];

    async function* source() {
      yield* events;
    }

    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of toChatCompletionChunks(source())) chunks.push(chunk);

    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hel' },
      { content: 'lo' },
      {},
      null,
    ]);
    expect(chunks[3]?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[4]?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set(['msg_2']));
  });
});
