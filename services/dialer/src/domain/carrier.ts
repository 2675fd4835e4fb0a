/**
 * The carrier interface: how the dialer places one call. Implementations never throw for a call's
 * outcome; every way a call can end is a CallResult. `dial` resolves when the call is over.
 *
 * The one exception: when the carrier gives up *before anything was sent* toward the callee (no
 * free channel or RTP port, the recording could not be loaded, the task was held just before the
 * INVITE, the carrier is closing), `dial` rejects with a NotPlacedError. Nobody's phone rang, so
 * the dialer puts the attempt back in the queue instead of settling it. Any other rejection is
 * treated as a failed call, since the carrier may have sent something.
 */
export type CallOutcome = 'answered' | 'no_answer' | 'busy' | 'unavailable' | 'invalid_number' | 'failed';

/** Answering-machine detection's verdict on an answered call. */
export type AnsweredBy = 'human' | 'machine' | 'unknown';

export interface DialRequest {
  /** The call attempt's id: unique per attempt, usable as a correlation id with the carrier. */
  attemptId: string;
  /** E.164, e.g. +6287630021323 */
  phone: string;
  /** 1 for the first attempt of a number, 2 for the first retry… */
  attempt: number;
  /** E.164 caller id, or null for the carrier's default. */
  callerId: string | null;
  ringTimeoutSeconds: number;
  /** Keys to collect while the recording plays, and what they do (dialing.dtmf); absent: none. */
  dtmf?: DtmfSettings | null;
  /** Answering-machine detection (dialing.amd); absent or null: off, answered calls carry no answeredBy. */
  amd?: AmdSettings | null;
  recording: {
    id: string;
    durationMs: number;
    /** 8 kHz mono G.711 μ-law bytes (8,000 bytes per second), loaded on demand and cached. */
    loadUlaw: () => Promise<Buffer>;
  };
  /**
   * Called by the carrier right before it sends the call's first request (the INVITE): runs
   * `send` while no hold or cancel of the task can commit, and resolves true; or resolves false
   * without running it when the task is held, cancelled or deleted by now, or the attempt is no
   * longer the dialer's to place (settled meanwhile): the carrier then rejects with NotPlacedError
   * 'held', and the dialer, which knows which it was, requeues or drops the attempt. `send` must
   * only start the call, synchronously.
   * Absent: the carrier sends without asking.
   *
   * `dialog`, when the carrier gives one, is what it needs to end this call from any process
   * (SIP: Call-ID, tags, CSeq, branch, route set, remote target): the dialer stores it with the
   * attempt in the same transaction, before `send` runs, so the replica that settles the attempt
   * after this process died can hang the call up (Carrier.endOrphan).
   */
  beforeSend?: (send: () => void, dialog?: CarrierDialog) => Promise<boolean>;
  /**
   * The call's dialog changed (answered; the INVITE re-sent with credentials): the dialer stores
   * it. The carrier waits for it, boundedly, before it acknowledges an answer, so an answered
   * call whose dialog was never stored is one the far end was never told is up.
   */
  onDialog?: (dialog: CarrierDialog) => Promise<void>;
}

/** A task's DTMF capture: the rules matched against the keys pressed so far. */
export interface DtmfSettings {
  enabled: boolean;
  rules: { digits: string; action: 'tag' | 'optOut'; tag?: string; hangup?: boolean }[];
}

/** A task's answering-machine detection, and what a call a machine answered does. */
export interface AmdSettings {
  enabled: boolean;
  /** hangup: end the call once a machine is heard; play: play the recording anyway; playAfterBeep: start it after the beep */
  onMachine: 'hangup' | 'play' | 'playAfterBeep';
}

/** What a carrier needs to end a call it placed, from any process; opaque to the dialer, stored as JSON. */
export type CarrierDialog = Record<string, unknown>;

/** Why a call was not placed; none of these sent anything toward the callee. */
export type NotPlacedReason = 'closed' | 'channels' | 'rtp-port' | 'recording' | 'held' | 'setup';

/** `dial` rejects with this when nothing was sent: the attempt may be dialled again later. */
export class NotPlacedError extends Error {
  override readonly name = 'NotPlacedError';
  constructor(
    readonly reason: NotPlacedReason,
    message: string,
  ) {
    super(message);
  }
}

export const isNotPlaced = (err: unknown): err is NotPlacedError => err instanceof NotPlacedError;

export interface CallResult {
  outcome: CallOutcome;
  /** Who ended an answered call: the callee, or the system when the recording had played. */
  hangupBy: 'callee' | 'system' | null;
  /** The final SIP status where the carrier speaks SIP (200 for answered). */
  sipCode: number | null;
  /** Why a call failed or was unavailable, in words (e.g. "timeout", "503 Service Unavailable"). */
  failureReason: string | null;
  /**
   * Whether the outcome table of API.md allows another attempt: no_answer, busy and unavailable
   * → true; invalid_number, answered and failed → false.
   */
  retryable: boolean;
  /** AMD's verdict on an answered call when the task asked for it (dialing.amd); else absent */
  answeredBy?: AnsweredBy | null;
  /** the keys pressed while the recording played (dialing.dtmf), in order; absent or null: none */
  dtmf?: string | null;
  /** tags the task's DTMF rules set on the number during the call */
  tags?: string[];
  /** a DTMF rule opted the number out (it goes on the DNC list, source dtmf) */
  optOut?: boolean;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
}

export interface Carrier {
  readonly name: string;
  dial(request: DialRequest): Promise<CallResult>;
  /** Calls this carrier can hold at once in this process. */
  readonly maxChannels: number;
  /**
   * Ends a call another process placed and can no longer end (it died): hangs up an answered call,
   * cancels a ringing one, from the dialog stored when it was placed. Resolves true once the far
   * end has it (or it needs nothing more), false when it should be tried again later.
   */
  endOrphan?(dialog: CarrierDialog): Promise<boolean>;
  close(): Promise<void>;
}
