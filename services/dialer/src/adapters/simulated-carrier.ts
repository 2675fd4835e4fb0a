import { type CallResult, type Carrier, type DialRequest, NotPlacedError } from '../domain/carrier';
import { simulatedAmd, simulatedPlan } from '../domain/outcome';

export interface SimulatedCarrierOptions {
  /** 1 = real time, 0 = instant; scales ringing and talking only. */
  timeScale: number;
  maxChannels: number;
  /** Durably records the call before it "rings" (tests count calls per number from it). */
  record: (call: { attemptId: string; phone: string; attempt: number; placedAt: Date }) => Promise<void>;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/**
 * The built-in carrier of ARCHITECTURE.md: the outcome follows the number's last digit, ringing and
 * talking take (scaled) real time, and each call holds a channel while it lasts.
 */
export class SimulatedCarrier implements Carrier {
  readonly name = 'simulated';
  readonly maxChannels: number;
  private active = 0;

  constructor(private readonly opts: SimulatedCarrierOptions) {
    this.maxChannels = opts.maxChannels;
  }

  /** Calls in progress right now. */
  get activeCalls(): number {
    return this.active;
  }

  async dial(req: DialRequest): Promise<CallResult> {
    const startedAt = new Date();
    if (this.active >= this.maxChannels) throw new NotPlacedError('channels', 'channel limit reached');
    this.active++;
    try {
      // "Sending the INVITE" is recording the call: asked through the task's hold guard like the SIP carrier.
      const placed: { recorded?: Promise<void> } = {};
      const send = () => {
        placed.recorded = this.opts.record({ attemptId: req.attemptId, phone: req.phone, attempt: req.attempt, placedAt: new Date() });
      };
      if (req.beforeSend) {
        await req.beforeSend(send).catch((err: Error) => {
          if (!placed.recorded) throw new NotPlacedError('setup', `pre-call check failed: ${err.message}`);
        });
      } else send();
      if (!placed.recorded) throw new NotPlacedError('held', 'task held or cancelled before the call');
      try {
        await placed.recorded;
      } catch (err) {
        // The record may have committed (only its answer lost): like an INVITE that may have left,
        // this is a failed call, never a silent retry.
        return { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: `simulator: ${(err as Error).message}`, retryable: false, startedAt, answeredAt: null, endedAt: new Date() };
      }
      const plan = simulatedPlan(req.phone, req.attempt, req.ringTimeoutSeconds, req.recording.durationMs);
      const scale = this.opts.timeScale;
      await sleep(plan.ringMs * scale);
      if (plan.outcome !== 'answered') {
        return { outcome: plan.outcome, hangupBy: null, sipCode: plan.sipCode, failureReason: plan.failureReason, retryable: plan.retryable, startedAt, answeredAt: null, endedAt: new Date() };
      }
      const answeredAt = new Date();
      const amd = simulatedAmd(req.phone, plan, req.amd);
      await sleep(amd.talkMs * scale);
      const endedAt = scale === 0 ? new Date(answeredAt.getTime() + amd.talkMs) : new Date();
      return {
        outcome: 'answered',
        hangupBy: amd.hangupBy,
        sipCode: 200,
        failureReason: null,
        retryable: false,
        startedAt,
        answeredAt,
        endedAt,
        ...(amd.answeredBy ? { answeredBy: amd.answeredBy } : {}),
      };
    } finally {
      this.active--;
    }
  }

  async close(): Promise<void> {
    // nothing held
  }
}
