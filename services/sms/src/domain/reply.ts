/** Two-way SMS rules (API.md "Delivery receipts, replies and opt-out"): pure, no I/O. */
import { foldKeyword, isReplyableSender } from '@autocall/contracts';
import type { SmsKind } from './follow-up';

export { foldKeyword };

/** Every kind of message: a call's follow-up, a reply rule's answer, an opt-out confirmation. */
export type MessageKind = SmsKind | 'reply' | 'optOutReply';

/** Kinds that answer a reply (no call behind them, no per-task follow-up key). */
export const isFollowUp = (kind: MessageKind): kind is SmsKind => kind === 'disconnect' || kind === 'unanswered';

export interface ReplyRule {
  keywords: string[];
  action: 'tag';
  tag: string;
  replyTemplateId: string | null;
}

export type ReplyDecision = { type: 'optOut' } | { type: 'tag'; rule: ReplyRule } | { type: 'none' };

/** The first word of a reply, folded: `" ＳＴＯＰ! please"` → `stop`. */
export function firstWord(text: string): string {
  const words = text.normalize('NFKC').split(/[\p{Z}\s]+/u).map(foldKeyword).filter((w) => w !== '');
  return words[0] ?? '';
}

/** What a reply asks for: an opt-out keyword always wins, then the first rule whose keyword matches. */
export function decideReply(text: string, optOutKeywords: readonly string[], rules: readonly ReplyRule[]): ReplyDecision {
  const word = firstWord(text);
  if (word === '') return { type: 'none' };
  if (optOutKeywords.some((k) => foldKeyword(k) === word)) return { type: 'optOut' };
  const rule = rules.find((r) => r.keywords.some((k) => foldKeyword(k) === word));
  return rule ? { type: 'tag', rule } : { type: 'none' };
}

/** A sender id as accounts take it: a number up to 15 digits (optionally with `+`), or up to 11 other characters. */
export const senderIdValid = (senderId: string): boolean => isReplyableSender(senderId) || (senderId.length <= 11 && !/^\+?[0-9]+$/.test(senderId));

export type ReceiptStatus = 'delivered' | 'undelivered';
export interface Receipt {
  part: number;
  status: ReceiptStatus;
}

/**
 * A message's delivery state from the receipts kept for it: `undelivered` as soon as any part is,
 * `delivered` when the whole message is (a receipt without a part) or every one of its `segments`
 * parts is; else still undecided.
 */
export function deliveryState(receipts: readonly Receipt[], segments: number): ReceiptStatus | null {
  if (receipts.some((r) => r.status === 'undelivered')) return 'undelivered';
  const delivered = receipts.filter((r) => r.status === 'delivered');
  if (delivered.some((r) => r.part === 0)) return 'delivered';
  const parts = new Set(delivered.map((r) => r.part));
  return parts.size >= Math.max(1, segments) ? 'delivered' : null;
}

/** The simulated provider's receipt for a number: `undelivered` for numbers ending in 7 (API.md). */
export const simulatedReceipt = (phone: string): ReceiptStatus => (phone.endsWith('7') ? 'undelivered' : 'delivered');
