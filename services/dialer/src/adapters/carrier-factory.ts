import type { Logger } from '@autocall/logger';
import type { DataSource } from 'typeorm';
import type { DialerConfig } from '../config';
import { SimCallRepository } from '../data/sim-call.repository';
import type { Carrier } from '../domain/carrier';
import { SimulatedCarrier } from './simulated-carrier';
import { createSipCarrier } from './sip';

/** CARRIER=simulated (default) or sip, from the environment. */
export function createCarrier(config: DialerConfig, db: DataSource, logger: Logger): Carrier {
  if (config.CARRIER === 'sip') {
    if (!config.SIP_TRUNK_HOST || !config.SIP_FROM) throw new Error('CARRIER=sip needs SIP_TRUNK_HOST and SIP_FROM');
    return createSipCarrier({
      trunkHost: config.SIP_TRUNK_HOST,
      trunkPort: config.SIP_TRUNK_PORT,
      username: config.SIP_USERNAME,
      password: config.SIP_PASSWORD,
      from: config.SIP_FROM,
      localPort: config.SIP_LOCAL_PORT,
      rtpPortMin: config.RTP_PORT_MIN,
      rtpPortMax: config.RTP_PORT_MAX,
      maxChannels: config.SIP_MAX_CHANNELS,
      outboundProxy: config.SIP_OUTBOUND_PROXY,
      rtpWorker: config.SIP_RTP_WORKER,
      analyseAudio: config.SIP_AUDIO_ANALYSIS,
      amdMaxMs: config.AMD_MAX_MS,
      logger: logger.child({ component: 'sip' }),
    });
  }
  const calls = new SimCallRepository(db);
  return new SimulatedCarrier({
    timeScale: config.SIM_TIME_SCALE,
    maxChannels: config.SIM_MAX_CHANNELS,
    record: (c) => calls.record({ ...c, placedBy: config.DIALER_ID }),
  });
}
