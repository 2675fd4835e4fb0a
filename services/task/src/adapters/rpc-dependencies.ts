import {
  AppError,
  DialerTaskCancelV2,
  DialerTaskHoldV2,
  DialerTaskReleaseV2,
  RecordingGet,
  RecordingRelease,
  RecordingReserve,
  RosterGet,
  RosterRelease,
  RosterReserve,
  SmsAccountGet,
  SmsTemplateGet,
  SmsTemplateRelease,
  SmsTemplateReserve,
} from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { Dependencies } from '../domain/dependencies';
import { taskErrors } from '../domain/errors';

/**
 * An owner's refusal keeps its code when it is one of ours (a 404 TEMPLATE_NOT_FOUND from the sms
 * service is our 422 TEMPLATE_NOT_FOUND); other 4xx stay as they are; an owner's 5xx is a
 * dependency failure (503).
 */
function mapRpcError(err: unknown): never {
  if (err instanceof AppError) {
    const ours = (taskErrors as Record<string, ((d?: string) => AppError) | undefined>)[err.code];
    if (ours) throw ours();
    if (err.status >= 500) throw new AppError('DEPENDENCY_UNAVAILABLE', 503, 'A service this request needs failed; nothing was changed.');
  }
  throw err;
}

/** The task service's RPC client: every call with the configured timeout and the request id. */
export function rpcDependencies(bus: Bus, timeoutMs: number): Dependencies {
  const opts = { timeoutMs };
  const call = <T>(p: Promise<T>) => p.catch(mapRpcError);
  return {
    recording: (tenantId, recordingId) => call(bus.request(RecordingGet, { tenantId, recordingId }, opts)),
    roster: async (tenantId, rosterId) => {
      const r = await call(bus.request(RosterGet, { tenantId, rosterId }, opts));
      return { found: r.found, status: r.status, valid: r.counts?.valid, columns: r.columns };
    },
    template: (tenantId, templateId) => call(bus.request(SmsTemplateGet, { tenantId, templateId }, opts)),
    smsAccount: async (tenantId) => call(bus.request(SmsAccountGet, { tenantId }, opts)),
    reserve: async (tenantId, taskId, refs) => {
      // allSettled: every reserve has answered (or timed out) before the caller compensates.
      const results = await Promise.allSettled([
        bus.request(RecordingReserve, { tenantId, recordingId: refs.recordingId, taskId }, opts),
        bus.request(RosterReserve, { tenantId, rosterId: refs.rosterId, taskId }, opts),
        refs.templateIds.length > 0 ? bus.request(SmsTemplateReserve, { tenantId, taskId, templateIds: refs.templateIds }, opts) : undefined,
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) mapRpcError(failed.reason);
    },
    reserveTemplates: async (tenantId, taskId, templateIds) => {
      if (templateIds.length > 0) await call(bus.request(SmsTemplateReserve, { tenantId, taskId, templateIds }, opts));
    },
    settleTemplates: async (tenantId, taskId, templateIds) => {
      await call(bus.request(SmsTemplateReserve, { tenantId, taskId, templateIds, only: true }, opts));
    },
    releaseAll: async (tenantId, taskId) => {
      await Promise.all([
        bus.request(RecordingRelease, { tenantId, taskId }, opts),
        bus.request(RosterRelease, { tenantId, taskId }, opts),
        bus.request(SmsTemplateRelease, { tenantId, taskId }, opts),
      ]);
    },
    hold: (tenantId, taskId, o) => call(bus.request(DialerTaskHoldV2, { tenantId, taskId, generation: o.generation, deadline: o.deadline }, { timeoutMs: o.waitMs })),
    release: (tenantId, taskId, o) => call(bus.request(DialerTaskReleaseV2, { tenantId, taskId, generation: o.generation, deadline: o.deadline }, { timeoutMs: o.waitMs })),
    cancel: (tenantId, taskId, total, o) => call(bus.request(DialerTaskCancelV2, { tenantId, taskId, total, generation: o.generation, deadline: o.deadline }, { timeoutMs: o.waitMs })),
  };
}
