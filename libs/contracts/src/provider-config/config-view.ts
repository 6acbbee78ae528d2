import { z } from 'zod';

import { PROVIDER_NAMES } from './providers';

const configured = z.boolean().describe('a usable provider: its key and required settings are set');

/**
 * What the dashboard sees of a tenant's configuration. It says which providers are configured and
 * shows their non-secret settings; it has no field that could carry a key in any form.
 */
export const providerConfigViewSchema = z.strictObject({
  providerConfig: z.strictObject({
    mode: z.enum(['byok', 'liya_managed']),
    active_provider: z
      .enum(PROVIDER_NAMES)
      .nullable()
      .describe('the provider that serves inference: Azure, then Anthropic, then OpenAI'),
    openai: z.strictObject({ configured, organization: z.string().optional() }),
    anthropic: z.strictObject({ configured }),
    azure: z.strictObject({
      configured,
      endpoint: z.string().optional(),
      deployment_id: z.string().optional(),
      region: z.string().optional(),
    }),
  }),
  version: z.number().int().nonnegative().describe('grows by one per write; send as If-Match'),
  updatedAt: z.iso.datetime().nullable(),
});

export type ProviderConfigView = z.infer<typeof providerConfigViewSchema>;
