import type { RouteDef } from '../core';
import { accessRoutes } from './access';
import { dialerRoutes } from './dialer';
import { eventsRoutes } from './events';
import { gatewayRoutes } from './gateway';
import { policyRoutes } from './policy';
import { recordingRoutes } from './recording';
import { rosterRoutes } from './roster';
import { smsRoutes } from './sms';
import { taskRoutes } from './task';

/** Every public route of the platform, for the gateway's OpenAPI document. */
export const publicRoutes: RouteDef[] = [gatewayRoutes, accessRoutes, recordingRoutes, rosterRoutes, smsRoutes, taskRoutes, dialerRoutes, policyRoutes, eventsRoutes].flatMap((r) => Object.values(r) as RouteDef[]);
