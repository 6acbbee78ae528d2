import { z } from 'zod';

import { ServiceError } from '../errors/service-error';

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });

const chatMessage = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  name: z.string().max(64).optional(),
});

/**
 * The subset of the OpenAI Chat Completions request that every provider can honour. Known gap:
 * tools, function calls, response_format, n, logprobs and image parts are refused, not served.
 */
export const chatCompletionRequestSchema = z.strictObject({
  model: z.string().min(1).max(256),
  messages: z.array(chatMessage).min(1).max(2048),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  seed: z.number().int().optional(),
  user: z.string().max(256).optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export type ChatMessage = z.infer<typeof chatMessage>;

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | null;

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null };
    finish_reason: FinishReason;
  }>;
  usage?: ChatCompletionUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string };
    finish_reason: FinishReason;
  }>;
  usage?: ChatCompletionUsage | null;
}

export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const result = chatCompletionRequestSchema.safeParse(body);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    return failUnknownField(issue.keys[0]);
  }

  const field = issue ? issue.path.map(String).join('.') : '';
  const where = field ? field : 'the request body';

  throw new ServiceError('invalid_field', `${where} is not a valid chat completion field value`, {
    field: field || undefined,
  });
}

function failUnknownField(key: string | undefined): never {
  const named = key && /^[a-z][a-z_]{0,39}$/.test(key) ? `"${key}"` : 'a field';

  throw new ServiceError('unknown_field', `${named} is not supported by this endpoint`);
}
