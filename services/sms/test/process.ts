import { ServiceProcess, repoRoot } from '@autocall/testing';

export { freePort } from '@autocall/testing';
export const root = repoRoot;

/** The sms service as its own process, as deployed (`node services/sms/dist/main.js`; run `pnpm build` first). */
export class SmsProcess extends ServiceProcess {
  constructor(port: number, env: Record<string, string>) {
    super('sms', port, env);
  }
}
