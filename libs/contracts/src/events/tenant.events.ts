import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Uuid } from '../core';
import { TenantLimits } from '../http/gateway';

/**
 * A tenant's limits changed (`PATCH /v1/admin/tenants/{id}`), whole (ARCHITECTURE.md): each service
 * enforces the limits it owns from it (dialer: maxConcurrentCalls, callsPerSecond; task:
 * maxActiveTasks; sms: smsPerDay) and keeps the one with the highest `version` (the gateway's
 * counter for the tenant, which never goes back), so a late or repeated message never undoes a newer one.
 */
export const TenantLimitsUpdated = defineEvent(
  'tenant.limits-updated',
  1,
  Type.Object({
    tenantId: Uuid,
    version: Type.Integer({ minimum: 1 }),
    limits: TenantLimits,
    updatedAt: Type.String({ format: 'date-time' }),
  }),
);
export type TenantLimitsUpdatedT = Static<typeof TenantLimitsUpdated.payload>;
