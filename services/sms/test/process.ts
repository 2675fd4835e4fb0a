import { ServiceProcess, repoRoot } from '@autocall/testing';

export { freePort } from '@autocall/testing';
export const root = repoRoot;

/**
 * The sms service as its own process, as deployed (`node services/sms/dist/main.js`; run `pnpm build` first).
 * The simulated provider's receipts only where a test asks for them (SMS_SIM_DLR_MS): `sent` stays `sent`.
 */
export class SmsProcess extends ServiceProcess {
  constructor(port: number, env: Record<string, string>) {
    super('sms', port, { SMS_SIM_DLR_MS: '3600000', ...env });
  }
}
