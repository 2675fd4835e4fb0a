import type { Logger } from '@autocall/logger';
import type { AnsweredBy, CallResult, DialRequest } from '../../domain/carrier';
import { AnsweringMachineDetector } from './answering-machine';
import { type DigestChallenge, digestAuthorization, pickChallenge } from './digest-auth';
import { sendBye, type StoredSipDialog } from './sip-dialog';
import { ANNOUNCEMENT_MS, CallAudioAnalyser, classifySit } from './call-audio-analysis';
import { DtmfCollector, DtmfRules } from './dtmf';
import { mapFinalResponse, type MappedOutcome } from './outcome';
import type { RtpStream } from './rtp';
import { RtpWorkerDiedError } from './rtp-worker';
import { type G711PayloadType, parseSdpAnswer, sdpOffer } from './sdp';
import {
  type HostPort,
  type OutgoingRequest,
  type SipRequest,
  type SipResponse,
  nameAddrUri,
  newBranch,
  newCallId,
  newTag,
  uriHostPort,
} from './sip-message';
import type { InviteClientTransaction, SipTransport } from './sip-transport';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
/** The longest an answered call waits for its dialog to be stored before it ACKs anyway. */
const DIALOG_STORE_WAIT_MS = 2000;
/** A tone or announcement this soon after a 200 is a false answer (API.md's outcome table). */
const FALSE_ANSWER_MS = 3000;
/** playAfterBeep: a machine still talking (or a noisy line) this long after the verdict gets the recording anyway. */
const MACHINE_GREETING_MAX_MS = 20_000;

/** What every call of one carrier shares. */
export interface CallContext {
  transport: SipTransport;
  /** Where out-of-dialog requests go: the outbound proxy if configured, else the trunk. */
  firstHop: HostPort;
  /** `<sip:proxy;lr>` when an outbound proxy is configured (RFC 3261 §8.1.2). */
  proxyRoute: string | null;
  /** Resolved outbound proxy; in-dialog requests go there too. */
  outboundProxy: HostPort | null;
  /** `host` or `host:port` of the trunk, for Request-URIs. */
  trunkUriHost: string;
  fromUri(callerId: string | null): string;
  credentials: { username: string; password: string } | null;
  /** Pause between the last RTP packet and our BYE, so the callee's jitter buffer plays out. */
  hangupDelayMs: number;
  /** Listen to early media and the first seconds after the answer for SIT tones and announcements. */
  analyseAudio: boolean;
  /** Answering-machine detection's limit: undecided after this many ms from the answer → unknown. */
  amdMaxMs: number;
  logger: Logger;
}

export interface CallAudio {
  ulaw: Buffer;
  alaw(): Buffer;
  /** Drops this recording's buffers from the RTP worker (the carrier's cache evicted it). */
  forget?(worker: import('./rtp-worker').RtpWorker): void;
}

interface Dialog {
  /** The To header of the 2xx, carrying the callee's tag. */
  remoteTo: string;
  target: string;
  route: string[];
  dest: HostPort;
}

type State = 'inviting' | 'answered' | 'ending' | 'done';

/** One outbound call, from INVITE to the end of the dialog. Never rejects. */
export class SipCall {
  readonly callId: string;
  private readonly fromTag = newTag();
  private readonly requestUri: string;
  private readonly from: string;
  private readonly startedAt = new Date();
  private readonly log: Logger;
  private state: State = 'inviting';
  private cseq = 1;
  private invite: OutgoingRequest | null = null;
  private tx: InviteClientTransaction | null = null;
  private provisional = false;
  private ringTimedOut = false;
  private cancelled = false;
  private authAttempts = 0;
  /** The last challenge answered, reused if the callee's side challenges our BYE. */
  private challenge: { header: 'Authorization' | 'Proxy-Authorization'; ch: DigestChallenge } | null = null;
  private earlySdp: string | null = null;
  private answeredAt: Date | null = null;
  private dialog: Dialog | null = null;
  private payloadType: G711PayloadType | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private resolveResult: ((r: CallResult) => void) | null = null;
  private byeInFlight: Promise<void> | null = null;
  private cancelGuard: NodeJS.Timeout | null = null;
  /** What the inbound audio said: early media, then the first seconds after the answer. */
  private analyser: CallAudioAnalyser | null = null;
  /** The analyser still listens (early media, the false-answer window). */
  private analysing = false;
  /** The inbound audio is being handed to us. */
  private listening = false;
  /** Key presses (dialing.dtmf), from the answer on. */
  private dtmf: DtmfCollector | null = null;
  private dtmfRules: DtmfRules | null = null;
  /**
   * The SSRC of the stream the analysers hear: the first G.711 stream of early media, then the
   * first after the answer (the callee's). Packets of any other stream (a stray or a second
   * source sent to our port) are not analysed. null: none yet in this phase.
   */
  private heardSsrc: number | null = null;
  /** Answering-machine detection (dialing.amd), from the answer on. */
  private amd: AnsweringMachineDetector | null = null;
  /** The detector still hears the audio: until its verdict, and for playAfterBeep until the machine records. */
  private amdListening = false;
  private answeredBy: AnsweredBy | null = null;
  /** playAfterBeep: starts the recording (the verdict human/unknown, or the machine's beep is over). */
  private amdGate: (() => void) | null = null;
  /** The first INVITE's branch, known before it is sent so that its dialog can be stored first. */
  private readonly firstBranch = newBranch();

  constructor(
    private readonly ctx: CallContext,
    private readonly request: DialRequest,
    private readonly audio: CallAudio,
    readonly rtp: RtpStream,
  ) {
    this.callId = newCallId(ctx.transport.advertised.host);
    this.requestUri = `sip:${request.phone}@${ctx.trunkUriHost}`;
    this.from = `<${ctx.fromUri(request.callerId)}>;tag=${this.fromTag}`;
    this.log = ctx.logger.child({ attemptId: request.attemptId, callId: this.callId });
  }

  /**
   * What another process needs to end this call (see sip-dialog.ts): before the first INVITE, the
   * INVITE about to be sent; once answered, the dialog.
   */
  dialogState(): StoredSipDialog {
    const inv = this.invite;
    const d = this.dialog;
    return {
      v: 1,
      callId: this.callId,
      from: this.from,
      to: d?.remoteTo ?? `<${this.requestUri}>`,
      requestUri: this.requestUri,
      cseq: this.cseq,
      branch: inv?.branch ?? this.firstBranch,
      via: this.ctx.transport.via,
      firstHop: this.ctx.firstHop,
      route: this.ctx.proxyRoute ? [this.ctx.proxyRoute] : [],
      answered: d !== null,
      ...(d ? { target: d.target, dialogRoute: d.route, dest: d.dest } : {}),
    };
  }

  /** Has the dialer store the dialog; waits at most `DIALOG_STORE_WAIT_MS` (a slow database must not hold a call). */
  private async storeDialog(): Promise<void> {
    const store = this.request.onDialog;
    if (!store) return;
    let timer: NodeJS.Timeout | undefined;
    const stored = store({ ...this.dialogState() }).then(
      () => true,
      (err: unknown) => {
        this.log.warn({ err }, 'dialog not stored');
        return false;
      },
    );
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DIALOG_STORE_WAIT_MS)));
    if (!(await Promise.race([stored, late]))) this.log.warn('dialog not stored in time; going on');
    clearTimeout(timer);
  }

  get codec(): 'PCMU' | 'PCMA' | null {
    return this.payloadType === null ? null : this.payloadType === 0 ? 'PCMU' : 'PCMA';
  }

  run(): Promise<CallResult> {
    return new Promise((resolve) => {
      this.resolveResult = resolve;
      this.after(this.request.ringTimeoutSeconds * 1000, () => this.onRingTimeout());
      this.sendInvite(null);
    });
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private get contact(): string {
    const { host, port } = this.ctx.transport.advertised;
    return `<sip:autocall@${host}:${port}>`;
  }

  private sendInvite(auth: [string, string] | null): void {
    const { host } = this.ctx.transport.advertised;
    const req: OutgoingRequest = {
      method: 'INVITE',
      uri: this.requestUri,
      branch: this.invite === null ? this.firstBranch : newBranch(),
      from: this.from,
      to: `<${this.requestUri}>`,
      callId: this.callId,
      cseq: this.cseq,
      route: this.ctx.proxyRoute ? [this.ctx.proxyRoute] : [],
      headers: [['Contact', this.contact], ['Allow', ALLOW], ['User-Agent', 'autocall'], ...(auth ? [auth] : [])],
      body: { type: 'application/sdp', content: sdpOffer({ host, port: this.rtp.port, sessionId: String(Date.now()), telephoneEvent: this.request.dtmf?.enabled === true }) },
    };
    this.invite = req;
    this.provisional = false;
    const tx: InviteClientTransaction = this.ctx.transport.invite(req, this.ctx.firstHop, {
      onProvisional: (res) => this.tx === tx && this.onProvisional(res),
      onFinal: (res) => this.tx === tx && this.onFinal(res),
      onTimeout: () => this.tx === tx && this.onInviteTimeout(),
    });
    this.tx = tx;
  }

  private onProvisional(res: SipResponse): void {
    if (this.state !== 'inviting') return;
    this.log.debug({ status: res.status }, 'provisional response');
    this.provisional = true;
    if (res.body && /application\/sdp/i.test(res.headers.get('content-type') ?? '')) {
      this.earlySdp = res.body;
      this.listen(); // early media: the network may play a tone or an announcement instead of ringing
    }
    if (this.ringTimedOut) this.sendCancel();
  }

  /**
   * A CANCEL may only follow a provisional response (RFC 3261 §9.1): until one arrives the INVITE
   * may not even have reached anyone, so the call keeps waiting for timer B.
   */
  private onRingTimeout(): void {
    this.ringTimedOut = true;
    if (this.state === 'inviting' && this.provisional) this.sendCancel();
  }

  private sendCancel(): void {
    if (this.cancelled || !this.invite) return;
    this.cancelled = true;
    this.log.debug('ring timeout: CANCEL');
    const inv = this.invite;
    const cancel: OutgoingRequest = { ...inv, method: 'CANCEL', headers: [], body: undefined };
    void this.ctx.transport.request(cancel, this.ctx.firstHop);
    // §9.1: with no final response 64×T1 after the CANCEL, the INVITE is over anyway.
    this.cancelGuard = this.after(64 * this.ctx.transport.timers.t1Ms, () => {
      this.tx?.terminate();
      this.finish(this.refined({ outcome: 'no_answer', retryable: true, failureReason: null }), null);
    });
  }

  /** Starts analysing the inbound audio for SIT tones and announcements (once per call). */
  private listen(): void {
    if (!this.ctx.analyseAudio || this.analyser) return;
    this.analyser = new CallAudioAnalyser();
    this.analysing = true;
    this.hear();
  }

  /** Has the inbound audio handed over, to the analyser while it listens and to the DTMF collector once answered. */
  private hear(): void {
    if (this.listening) return;
    this.listening = true;
    this.rtp.listen((packets) => {
      for (const p of packets) {
        if (this.dtmf && this.state === 'answered') this.dtmf.push(p.pt, p.payload, p.ts);
        if (p.pt !== 0 && p.pt !== 8) continue;
        if (this.heardSsrc === null) this.heardSsrc = p.ssrc;
        else if (p.ssrc !== this.heardSsrc) continue;
        if (this.analysing) this.analyser?.push(p.pt, p.payload);
        if (this.amdListening) this.amd?.push(p.pt, p.payload);
      }
      if (this.state === 'answered' && this.analysing && this.analyser?.heard.sit) this.onFalseAnswer();
      else if (this.state === 'answered' && this.amdListening) this.onAmdHeard();
    });
  }

  private stopListening(): void {
    this.analysing = false;
    if (this.listening && ((!this.dtmf && !this.amdListening) || this.state === 'done')) {
      this.listening = false;
      this.rtp.listen(null);
    }
  }

  /** What the detector made of the audio so far: a verdict, and for playAfterBeep a machine now recording. */
  private onAmdHeard(): void {
    const d = this.amd;
    if (!d) return;
    if (this.answeredBy === null && d.verdict !== null) this.onAmdVerdict(d.verdict);
    if (this.amdGate && d.machineRecording) this.openAmdGate();
  }

  /**
   * AMD decided (or AMD_MAX_MS passed): `answeredBy` is set, and a machine is hung up (hangup),
   * played to (play), or played to once it records (playAfterBeep: after its beep, or its greeting
   * and NO_BEEP_SILENCE_MS of silence; at most MACHINE_GREETING_MAX_MS after the verdict).
   */
  private onAmdVerdict(verdict: AnsweredBy): void {
    if (this.answeredBy !== null || this.state !== 'answered') return;
    this.answeredBy = verdict;
    const onMachine = this.request.amd?.onMachine ?? 'hangup';
    this.log.debug({ answeredBy: verdict, reason: this.amd?.reason, afterMs: this.amd?.heardMs }, 'answering-machine detection');
    if (verdict === 'machine' && onMachine === 'hangup') {
      this.amdListening = false;
      this.rtp.stop();
      void this.sendBye().then(() => this.finish({ outcome: 'answered', retryable: false, failureReason: null }, 200, 'system'));
      return;
    }
    if (verdict === 'machine' && onMachine === 'playAfterBeep' && this.amdGate) {
      if (this.amd?.machineRecording) return this.openAmdGate();
      this.after(MACHINE_GREETING_MAX_MS, () => this.openAmdGate());
      return;
    }
    this.openAmdGate();
  }

  private openAmdGate(): void {
    this.amdListening = false;
    if (!this.dtmf && !this.analysing) this.stopListening();
    const gate = this.amdGate;
    this.amdGate = null;
    gate?.();
  }

  /** A DTMF rule with `hangup` matched: end the call now (answered, hung up by the system). */
  private onDtmfHangup(): void {
    if (this.state !== 'answered') return;
    this.log.debug('DTMF rule ends the call');
    this.rtp.stop();
    void this.sendBye().then(() => this.finish({ outcome: 'answered', retryable: false, failureReason: null }, 200, 'system'));
  }

  /**
   * A SIT heard within FALSE_ANSWER_MS of the 200: the network answered to play it, nobody did.
   * Hang up and classify the call as the tone says.
   */
  private onFalseAnswer(): void {
    const sit = this.analyser?.heard.sit;
    if (!sit || this.state !== 'answered') return;
    this.log.debug({ sit }, 'false answer: SIT after the 200');
    this.rtp.stop();
    const c = classifySit(sit);
    this.answeredAt = null; // nobody answered
    void this.sendBye().then(() => this.finish({ ...c, failureReason: `false-answer ${c.failureReason}` }, 200));
  }

  /**
   * The final failure, refined by what early media played (API.md's table): a Telcordia SIT
   * decides; E.180's SIT (no cause) and an announcement give way to SIP or Q.850 when they say
   * more (invalid_number, busy); otherwise they make the call `unavailable` and say so.
   */
  private refined(mapped: MappedOutcome): MappedOutcome {
    const heard = this.analyser?.heard;
    if (!heard) return mapped;
    const saysMore = mapped.outcome === 'invalid_number' || mapped.outcome === 'busy';
    if (heard.sit && heard.sit !== 'e180') return classifySit(heard.sit);
    if (heard.sit === 'e180' && !saysMore) return classifySit('e180');
    if (!heard.sit && heard.voiceMs >= ANNOUNCEMENT_MS && !saysMore) return { outcome: 'unavailable', retryable: true, failureReason: 'early-media-announcement' };
    return mapped;
  }

  private onInviteTimeout(): void {
    this.log.debug('no response to INVITE (timer B)');
    this.finish({ outcome: 'failed', retryable: false, failureReason: 'timeout' }, null);
  }

  private onFinal(res: SipResponse): void {
    if (this.state !== 'inviting') return;
    this.log.debug({ status: res.status }, 'final response');
    if (this.cancelGuard) clearTimeout(this.cancelGuard);
    if (res.status < 300) {
      void this.onAnswered(res).catch((err: unknown) => {
        this.log.error({ err }, 'answered call failed');
        this.finish({ outcome: 'failed', retryable: false, failureReason: 'internal error' }, res.status);
      });
    } else if (res.status === 401 || res.status === 407) this.onChallenge(res);
    else this.finish(this.refined(mapFinalResponse(res.status, res.reason, res.headers.list('reason'), this.cancelled)), res.status);
  }

  /**
   * Answers a 401/407 once (the transaction already ACKed it): same Call-ID and From tag, CSeq+1,
   * new branch. A second challenge means the credentials were refused, unless it only says the
   * nonce went stale.
   */
  private onChallenge(res: SipResponse): void {
    const header = res.status === 401 ? 'Authorization' : 'Proxy-Authorization';
    const ch = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
    const creds = this.ctx.credentials;
    const mayRetry = this.authAttempts === 0 || (ch?.stale === true && this.authAttempts < 2);
    if (!creds || !ch || !mayRetry || this.cancelled) {
      this.finish({ outcome: 'failed', retryable: false, failureReason: 'auth' }, res.status);
      return;
    }
    this.authAttempts++;
    this.cseq++;
    this.challenge = { header, ch };
    const value = digestAuthorization(ch, { ...creds, method: 'INVITE', uri: this.requestUri });
    this.sendInvite([header, value]);
    // the INVITE in flight has a new branch and CSeq: a CANCEL from elsewhere must name them
    void this.storeDialog();
  }

  private async onAnswered(res: SipResponse): Promise<void> {
    this.state = 'answered';
    this.answeredAt = new Date();
    this.heardSsrc = null; // the callee's stream may not be early media's
    const inv = this.invite!;
    const contact = res.headers.get('contact');
    const target = contact ? nameAddrUri(contact) : inv.uri;
    // The UAC uses Record-Route in reverse order (§12.1.2).
    const route = res.headers.list('record-route').reverse();
    const nextHop = this.ctx.outboundProxy ?? (route[0] ? uriHostPort(nameAddrUri(route[0])) : uriHostPort(target));
    if (this.ctx.proxyRoute && route.length === 0) route.push(this.ctx.proxyRoute);
    const dest = await this.ctx.transport.resolve(nextHop);
    this.dialog = { remoteTo: res.headers.get('to') ?? inv.to, target, route, dest };
    // Stored before the ACK: if this process dies before the store, the far end, never ACKed,
    // ends the call itself; after it, the replica that settles the attempt sends the BYE.
    await this.storeDialog();
    if (this.state !== 'answered') return; // hung up meanwhile
    const ack: OutgoingRequest = { method: 'ACK', uri: target, branch: newBranch(), from: inv.from, to: this.dialog.remoteTo, callId: this.callId, cseq: inv.cseq, route, headers: [] };
    if (this.tx) this.tx.ack2xx = { bytes: this.ctx.transport.sendAck(ack, dest), dest };
    if (this.state !== 'answered') return; // hung up while resolving

    const sdp = (res.body ? parseSdpAnswer(res.body) : null) ?? (this.earlySdp ? parseSdpAnswer(this.earlySdp) : null);
    if (!sdp) {
      this.log.warn('answer has no usable audio stream; hanging up');
      await this.sendBye();
      this.finish({ outcome: 'failed', retryable: false, failureReason: 'no usable SDP answer' }, res.status);
      return;
    }
    this.payloadType = sdp.payloadType;
    const dtmf = this.request.dtmf;
    if (dtmf?.enabled) {
      const rules = (this.dtmfRules = new DtmfRules(dtmf.rules));
      this.dtmf = new DtmfCollector(sdp.telephoneEvent, (key) => {
        if (rules.press(key)) this.onDtmfHangup();
      });
      this.hear();
    }
    if (this.ctx.analyseAudio) {
      // a tone already under way in early media goes on being heard; otherwise listening starts now
      this.listen();
      if (this.analyser?.heard.sit) return this.onFalseAnswer();
      this.after(FALSE_ANSWER_MS, () => this.stopListening());
    }
    const amd = this.request.amd;
    if (amd?.enabled) {
      this.amd = new AnsweringMachineDetector({ maxMs: this.ctx.amdMaxMs });
      this.amdListening = true;
      this.hear();
      // the wall clock decides when no audio comes at all (silence suppression, a one-way stream)
      this.after(this.ctx.amdMaxMs, () => this.onAmdVerdict(this.amd?.timeout() ?? 'unknown'));
      if (amd.onMachine === 'playAfterBeep') {
        // nothing plays before the verdict; a machine's recording starts after its beep
        await new Promise<void>((resolve) => (this.amdGate = resolve));
        if (this.state !== 'answered') return;
      }
    }
    const audio = sdp.payloadType === 8 ? this.audio.alaw() : this.audio.ulaw;
    try {
      await this.rtp.play(audio, { address: sdp.address, port: sdp.port }, sdp.payloadType);
    } catch (err) {
      if (!(err instanceof RtpWorkerDiedError)) throw err;
      if (this.state !== 'answered') return; // over already (the callee hung up, or shutdown)
      // The audio stopped part-way: not a recording played to its end. Hang up and say so.
      this.log.error('RTP worker died mid-call; hanging up');
      await this.sendBye();
      this.finish({ outcome: 'failed', retryable: false, failureReason: 'rtp worker died' }, res.status);
      return;
    }
    if (this.state !== 'answered') return; // the callee hung up first
    await new Promise<void>((resolve) => this.after(this.ctx.hangupDelayMs, resolve));
    if (this.state !== 'answered') return;
    await this.sendBye();
    this.finish({ outcome: 'answered', retryable: false, failureReason: null }, 200, 'system');
  }

  /** BYE, answering one digest challenge with the credentials that got the INVITE through. */
  private sendBye(): Promise<void> {
    if (this.byeInFlight) return this.byeInFlight;
    this.state = 'ending';
    this.byeInFlight = (async () => {
      const d = this.dialog;
      if (!d) return;
      const res = await sendBye(
        this.ctx.transport,
        { target: d.target, from: this.invite!.from, to: d.remoteTo, callId: this.callId, route: d.route, dest: d.dest },
        () => ++this.cseq,
        this.ctx.credentials,
        this.challenge?.ch,
      );
      this.log.debug({ status: res?.status ?? null }, 'BYE done');
    })();
    return this.byeInFlight;
  }

  /** A request inside this call's dialog (the transport matched it by Call-ID). */
  handleRequest(req: SipRequest, from: HostPort): void {
    switch (req.method) {
      case 'BYE':
        this.ctx.transport.respond(req, from, 200, 'OK');
        if (this.state === 'answered') {
          this.log.debug('callee hung up');
          this.rtp.stop();
          this.finish({ outcome: 'answered', retryable: false, failureReason: null }, 200, 'callee');
        }
        return;
      case 'ACK':
        return;
      case 'INVITE': {
        // A session refresh or re-INVITE: keep the stream as it is.
        const { host } = this.ctx.transport.advertised;
        const pts: G711PayloadType[] = this.payloadType === null ? [0, 8] : [this.payloadType];
        this.ctx.transport.respond(req, from, 200, 'OK', {
          headers: [['Contact', this.contact]],
          body: { type: 'application/sdp', content: sdpOffer({ host, port: this.rtp.port, sessionId: String(this.startedAt.getTime()), payloadTypes: pts }) },
        });
        return;
      }
      case 'OPTIONS':
      case 'INFO':
      case 'UPDATE':
      case 'NOTIFY':
        this.ctx.transport.respond(req, from, 200, 'OK');
        return;
      default:
        this.ctx.transport.respond(req, from, 501, 'Not Implemented');
    }
  }

  /** Shutdown: hang up or cancel, and end the call now. */
  abort(): Promise<void> {
    if (this.state === 'done') return Promise.resolve();
    this.rtp.stop();
    if (this.state === 'answered' || this.state === 'ending') {
      const bye = this.sendBye();
      this.finish({ outcome: 'answered', retryable: false, failureReason: null }, 200, 'system');
      return bye;
    }
    if (this.provisional) this.sendCancel();
    this.tx?.terminate();
    this.finish({ outcome: 'failed', retryable: false, failureReason: 'shutdown' }, null);
    return Promise.resolve();
  }

  private finish(mapped: MappedOutcome, sipCode: number | null, hangupBy: CallResult['hangupBy'] = null): void {
    if (this.state === 'done') return;
    this.state = 'done';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.rtp.stop();
    this.stopListening();
    const gate = this.amdGate; // a playAfterBeep call waiting for its verdict: it goes no further
    this.amdGate = null;
    gate?.();
    this.resolveResult?.({
      outcome: mapped.outcome,
      hangupBy,
      sipCode,
      failureReason: mapped.failureReason,
      retryable: mapped.retryable,
      startedAt: this.startedAt,
      answeredAt: this.answeredAt,
      endedAt: new Date(),
      ...(this.amd ? { answeredBy: mapped.outcome === 'answered' ? (this.answeredBy ?? this.amd.timeout()) : null } : {}),
      ...(this.dtmfRules ? { dtmf: this.dtmfRules.keys || null, tags: [...this.dtmfRules.tags], optOut: this.dtmfRules.optOut } : {}),
    });
  }
}
