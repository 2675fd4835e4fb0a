import type { Logger } from '@autocall/logger';
import type { ClaimedAttempt } from '../data/attempt.repository';
import type { TaskRepository } from '../data/task.repository';
import { type Carrier, type CarrierDialog, type DialRequest, isNotPlaced } from '../domain/carrier';
import { mayDial, type NotPlacedLimits } from '../domain/dial-policy';
import type { ResultFlusher } from './result-flusher';

export interface AttemptDialerDeps {
  tasks: TaskRepository;
  carrier: Carrier;
  /** A call's DTMF rules tagged its number or opted it out: list it, announce number.tagged. */
  applyDtmf: (a: ClaimedAttempt, tags: string[], optOut: boolean) => Promise<void>;
  /** Stores an attempt's changed carrier dialog (answered), while it is still `dialing`. */
  storeDialog: (attemptId: string, dialog: CarrierDialog) => Promise<void>;
  flusher: ResultFlusher;
  /** The calls this replica has claimed and not yet committed a result for. */
  inFlight: Map<string, ClaimedAttempt>;
  loadUlaw: (tenantId: string, recordingId: string) => Promise<Buffer>;
  /** This replica's name in claims. */
  me: string;
  limits: NotPlacedLimits;
  /** Attempts of these tasks were settled without a call (the number is listed): publish, look for a drain. */
  onSettled: (taskIds: string[]) => void;
  logger: Logger;
}

/**
 * Places one claimed attempt (committed `dialing`) through the carrier, the pre-INVITE check in
 * between, and hands what came of it to the result flusher: a call's result; an unplaced attempt
 * back to the queue or settled, as the dial policy decides; nothing for one settled elsewhere.
 */
export class AttemptDialer {
  constructor(private readonly deps: AttemptDialerDeps) {}

  dial(a: ClaimedAttempt): void {
    const { carrier, flusher, inFlight, logger: log } = this.deps;
    inFlight.set(a.id, a);
    const recordingId = a.recordingId;
    /** Set when the pre-INVITE check found the attempt no longer this replica's. */
    let lost = false;
    /** Set when the pre-INVITE check settled the attempt without a call (`suppressed`, `expired`). */
    let settled = false;
    const request: DialRequest = {
      attemptId: a.id,
      phone: a.phone,
      attempt: a.attempt,
      callerId: a.callerId,
      ringTimeoutSeconds: a.ringTimeoutSeconds,
      dtmf: a.dtmf,
      amd: a.amd,
      recording: {
        id: recordingId ?? '',
        durationMs: a.recordingDurationMs,
        loadUlaw: () => (recordingId ? this.deps.loadUlaw(a.tenantId, recordingId) : Promise.reject(new Error('task has no recording'))),
      },
      // A hold may have committed since the claim (the recording's first load can be slow), or this
      // replica's lease may have lapsed and the sweeper settled the attempt: the carrier asks once
      // more, under the task's and the attempt's row locks, right before the INVITE (mayDial decides).
      beforeSend: async (send, dialog) => {
        const verdict = await this.deps.tasks.whileDialable(a, this.deps.me, send, dialog);
        if (verdict === 'lost') lost = true;
        if (verdict === 'settled') settled = true;
        return verdict === 'sent';
      },
      onDialog: (dialog) => this.deps.storeDialog(a.id, dialog),
    };
    const startedAt = new Date();
    carrier
      .dial(request)
      .then(
        async (result) => {
          // before the result, so that a retry's claim already finds the number listed
          if (result.optOut || (result.tags?.length ?? 0) > 0) {
            await this.deps.applyDtmf(a, result.tags ?? [], result.optOut === true).catch((err: unknown) => log.error({ err, attemptId: a.id }, 'DTMF tags not stored'));
          }
          flusher.result({ attempt: a, result });
        },
        (err: unknown) => {
          if (!isNotPlaced(err)) {
            // Anything else may have happened after the INVITE left: a failed call, never redialled.
            flusher.result({
              attempt: a,
              result: { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: `carrier error: ${(err as Error).message}`, retryable: false, startedAt, answeredAt: null, endedAt: new Date() },
            });
            return;
          }
          if (settled) {
            // listed, or the end time come, since the claim: settled with the check (no call, nothing more owed)
            inFlight.delete(a.id);
            this.deps.onSettled([a.taskId]);
            return;
          }
          const now = new Date();
          const decision = mayDial(a, { now, claimedByMe: lost ? false : undefined, notPlaced: { reason: err.reason, message: err.message }, limits: this.deps.limits });
          switch (decision.kind) {
            case 'drop':
              // Not ours any more (settled final by the sweeper, its call.completed out; or made
              // `cancelled` by a cancel): nothing was sent, and nothing is owed — no requeue, no result.
              inFlight.delete(a.id);
              log.warn({ attemptId: a.id, taskId: a.taskId }, 'attempt settled elsewhere before its call (lease lapsed, or the task cancelled); not placed, not requeued');
              return;
            case 'settle':
              // Never placed, try after try: settle it (nothing was sent, so a final failed is safe).
              log.error({ attemptId: a.id, taskId: a.taskId, tries: a.notPlacedFailed + 1, err: err.message }, 'call never placed; attempt settled as failed');
              flusher.result({
                attempt: a,
                neverPlaced: true,
                // only `failed` here: the not-placed rules are the ones judged (no DNC fact)
                result: { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: decision.reason, retryable: false, startedAt: now, answeredAt: null, endedAt: now },
              });
              return;
            case 'wait':
              flusher.requeue({ attempt: a, delayMs: decision.until.getTime() - now.getTime(), reason: decision.detail ?? decision.reason, failed: decision.failedTry ?? false });
              return;
            case 'dial':
              // not an answer to a try that was not placed; due again at once, like a hold
              flusher.requeue({ attempt: a, delayMs: 0, reason: `not placed: ${err.message}`, failed: false });
              return;
          }
        },
      )
      .catch((err: unknown) => log.error({ err }, 'result not queued'));
  }
}
