import type { CarrierDialog } from '../../domain/carrier';
import { type DigestChallenge, digestAuthorization, pickChallenge } from './digest-auth';
import { type HostPort, type OutgoingRequest, type SipResponse, newBranch } from './sip-message';
import type { SipTransport } from './sip-transport';

/**
 * What ends a call we placed, from any process (issue 18, "no orphan calls"): stored with the
 * attempt before the INVITE leaves, and again once the call is answered. A ringing call is ended
 * with a CANCEL that repeats the INVITE's Request-URI, From, To, Call-ID, CSeq number and top Via
 * (RFC 3261 §9.1); an answered one with a BYE inside its dialog (the remote tag, target and route
 * set of the 2xx, §12.2).
 */
export interface StoredSipDialog {
  v: 1;
  callId: string;
  /** our From header, with our tag */
  from: string;
  /** the INVITE's To; with the callee's tag once answered */
  to: string;
  requestUri: string;
  /** the CSeq number of the INVITE in flight */
  cseq: number;
  /** the INVITE's branch and Via sent-by: a CANCEL repeats them */
  branch: string;
  via: string;
  /** where the INVITE went (a CANCEL goes there too) */
  firstHop: HostPort;
  /** the INVITE's Route (an outbound proxy) */
  route: string[];
  answered: boolean;
  /** answered: the remote target (the 2xx's Contact), the dialog's route set and where its requests go */
  target?: string;
  dialogRoute?: string[];
  dest?: HostPort;
}

const isHostPort = (v: unknown): v is HostPort => typeof v === 'object' && v !== null && typeof (v as HostPort).host === 'string' && Number.isInteger((v as HostPort).port);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** A stored dialog read back (it crossed the database as JSON): undefined when it is not one of ours. */
export function readStoredDialog(d: CarrierDialog): StoredSipDialog | undefined {
  const s = d as Partial<StoredSipDialog>;
  const strings = [s.callId, s.from, s.to, s.requestUri, s.branch, s.via].every((x) => typeof x === 'string');
  if (s.v !== 1 || !strings || !Number.isInteger(s.cseq) || !isHostPort(s.firstHop) || !isStrings(s.route) || typeof s.answered !== 'boolean') return undefined;
  if (s.answered && (typeof s.target !== 'string' || !isStrings(s.dialogRoute) || !isHostPort(s.dest))) return undefined;
  return s as StoredSipDialog;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * BYE in a dialog, answering one digest challenge (401/407) with `credentials`; `challenge` is the
 * one the INVITE answered, used if the challenge of the BYE carries none we can read. Resolves
 * with the final response, or null when none came (timer F).
 */
export async function sendBye(
  transport: SipTransport,
  d: { target: string; from: string; to: string; callId: string; route: string[]; dest: HostPort },
  nextCseq: () => number,
  credentials: Credentials | null,
  challenge?: DigestChallenge | null,
): Promise<SipResponse | null> {
  const bye = (auth: [string, string] | null): OutgoingRequest => ({
    method: 'BYE',
    uri: d.target,
    branch: newBranch(),
    from: d.from,
    to: d.to,
    callId: d.callId,
    cseq: nextCseq(),
    route: d.route,
    headers: [['User-Agent', 'autocall'], ...(auth ? [auth] : [])],
  });
  let res = await transport.request(bye(null), d.dest);
  if (res && (res.status === 401 || res.status === 407) && credentials) {
    const ch = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate')) ?? challenge;
    if (ch) {
      const header = res.status === 401 ? 'Authorization' : 'Proxy-Authorization';
      res = await transport.request(bye([header, digestAuthorization(ch, { ...credentials, method: 'BYE', uri: d.target })]), d.dest);
    }
  }
  return res;
}

/**
 * Ends a call another process placed: BYE when it was answered (true once any final answer came:
 * 200, or 481 when the far end had ended it already), CANCEL when it was ringing (true once sent:
 * its answers go to the INVITE's Via, the dead process's address). A CANCEL reaching a call that
 * was answered meanwhile but never acknowledged changes nothing, and needs nothing: without our
 * ACK the far end ends that call itself (RFC 3261 §13.3.1.4), since the ACK is sent only after
 * the answered dialog is stored.
 */
export async function endStoredDialog(transport: SipTransport, d: StoredSipDialog, credentials: Credentials | null): Promise<boolean> {
  if (d.answered) {
    let cseq = d.cseq;
    const res = await sendBye(transport, { target: d.target!, from: d.from, to: d.to, callId: d.callId, route: d.dialogRoute!, dest: d.dest! }, () => ++cseq, credentials);
    return res !== null && res.status !== 401 && res.status !== 407;
  }
  const cancel: OutgoingRequest = { method: 'CANCEL', uri: d.requestUri, branch: d.branch, via: d.via, from: d.from, to: d.to, callId: d.callId, cseq: d.cseq, route: d.route, headers: [] };
  void transport.request(cancel, d.firstHop);
  return true;
}
