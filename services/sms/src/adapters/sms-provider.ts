import type { AccountSettings } from '../data/account.repository';

/** One SMS to hand to a provider. `messageId` is the idempotency key: the same id is the same SMS. */
export interface OutgoingSms {
  messageId: string;
  tenantId: string;
  taskId: string;
  kind: 'disconnect' | 'unanswered';
  to: string;
  from: string;
  text: string;
}

/** A provider's answer. Adapters never throw: every failure is a result, retryable or not. */
export type SendOutcome = { status: 'sent' } | { status: 'failed'; retryable: boolean; reason: string };

export interface SmsProvider {
  send(sms: OutgoingSms, settings: AccountSettings): Promise<SendOutcome>;
}

export type ProviderName = 'simulated' | 'http';
export type SmsProviders = Record<ProviderName, SmsProvider>;
