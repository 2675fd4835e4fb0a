/** The port every SMS provider adapter implements (adapters/*-provider.ts), and what it is given. */
import type { Static } from '@sinclair/typebox';
import type { SmsProvider as SmsProviderName } from '@autocall/contracts';
import type { MessageKind } from './reply';

/** The providers an account may choose: the contract's union, declared once there. */
export type ProviderName = Static<typeof SmsProviderName>;

/** An account's provider settings as stored, secrets included: for the provider adapters only. */
export interface AccountSettings {
  url?: string;
  username?: string;
  password?: string;
  apiKey?: string;
  timeoutMs?: number;
  /** signs callbacks (never sent to the provider) */
  callbackSecret?: string;
}

/** One SMS to hand to a provider. `messageId` is the idempotency key: the same id is the same SMS. */
export interface OutgoingSms {
  messageId: string;
  tenantId: string;
  taskId: string | null;
  kind: MessageKind;
  to: string;
  from: string;
  text: string;
}

/** A provider's answer. Adapters never throw: every failure is a result, retryable or not. */
export type SendOutcome = { status: 'sent' } | { status: 'failed'; retryable: boolean; reason: string };

export interface SmsProvider {
  send(sms: OutgoingSms, settings: AccountSettings): Promise<SendOutcome>;
}

export type SmsProviders = Record<ProviderName, SmsProvider>;
