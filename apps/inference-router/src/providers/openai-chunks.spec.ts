import type OpenAI from 'openai';

import { normalizeOpenAiChunk } from './openai-chunks';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

describe('normalizeOpenAiChunk', () => {
  it('keeps only the chunk fields we promise', () => {
    const chunk = {
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      system_fingerprint: 'fp',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: 'Hi', refusal: null },
          finish_reason: null,
          logprobs: null,
          content_filter_results: { hate: { filtered: false } },
        },
      ],
    } as unknown as Chunk;

    expect(normalizeOpenAiChunk(chunk)).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
    });
  });

  it("drops Azure's opening chunk that has neither choices nor usage", () => {
    const chunk = { id: '', object: '', created: 0, model: '', choices: [] } as unknown as Chunk;

    expect(normalizeOpenAiChunk(chunk)).toBeUndefined();
  });

  it('keeps a usage-only chunk with just the token counts', () => {
    const chunk = {
      id: 'c2',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: {} },
    } as unknown as Chunk;

    expect(normalizeOpenAiChunk(chunk)?.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
  });
});
