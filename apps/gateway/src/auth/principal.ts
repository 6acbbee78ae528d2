import { z } from 'zod';

import { PLANS, ROLES } from '@liya/contracts';

/** The claims a dashboard token must carry; anything else in them is ignored. */
export const dashboardClaimsSchema = z.object({
  sub: z.string().min(1).max(256),
  tenant_id: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  role: z.enum(ROLES),
  plan: z.enum(PLANS),
});

export interface Principal {
  userId: string;
  tenantId: string;
  role: z.infer<typeof dashboardClaimsSchema>['role'];
  plan: z.infer<typeof dashboardClaimsSchema>['plan'];
}
