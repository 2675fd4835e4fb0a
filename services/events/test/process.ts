import { ServiceProcess } from '@autocall/testing';

/** The events service as its own process, as deployed (`node services/events/dist/main.js`; run `pnpm build` first). */
export class EventsProcess extends ServiceProcess {
  constructor(port: number, env: Record<string, string>) {
    super('events', port, env);
  }

  override start(): Promise<this> {
    return super.start('/health');
  }
}
