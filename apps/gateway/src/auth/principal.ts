import { z } from 'zod';

import { PLANS, ROLES } from '@liya/contracts';

/** The claims a dashboard token must carry; anything else in them is ignored. */
export const dashboardClaimsSchema = z.object({
  // The acting user's id reaches logs and the audit log: printable characters only.
  sub: z.string().regex(/^[^\u0000-\u001f\u007f]{1,256}$/),
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
