import type { CallResult, Carrier, DialRequest } from './carrier';
import { simulatedPlan } from '../domain/outcome';

export interface SimulatedCarrierOptions {
  /** 1 = real time, 0 = instant; scales ringing and talking only. */
  timeScale: number;
  maxChannels: number;
  /** Durably records the call before it "rings" (tests count calls per number from it). */
  record: (call: { attemptId: string; phone: string; attempt: number }) => Promise<void>;
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
    try {
      await this.opts.record({ attemptId: req.attemptId, phone: req.phone, attempt: req.attempt });
    } catch (err) {
      // Not recorded means not placed: nothing rang.
      return { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: `simulator: ${(err as Error).message}`, retryable: false, startedAt, answeredAt: null, endedAt: new Date() };
    }
    this.active++;
    try {
      const plan = simulatedPlan(req.phone, req.attempt, req.ringTimeoutSeconds, req.recording.durationMs);
      const scale = this.opts.timeScale;
      await sleep(plan.ringMs * scale);
      if (plan.outcome !== 'answered') {
        return { outcome: plan.outcome, hangupBy: null, sipCode: plan.sipCode, failureReason: plan.failureReason, retryable: plan.retryable, startedAt, answeredAt: null, endedAt: new Date() };
      }
      const answeredAt = new Date();
      await sleep(plan.talkMs * scale);
      const endedAt = scale === 0 ? new Date(answeredAt.getTime() + plan.talkMs) : new Date();
      return { outcome: 'answered', hangupBy: plan.hangupBy, sipCode: 200, failureReason: null, retryable: false, startedAt, answeredAt, endedAt };
    } finally {
      this.active--;
    }
  }

  async close(): Promise<void> {
    // nothing held
  }
}
