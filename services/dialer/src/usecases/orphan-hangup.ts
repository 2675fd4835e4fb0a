import type { Logger } from '@autocall/logger';
import type { AttemptRepository } from '../data/attempt.repository';
import type { Carrier } from '../domain/carrier';

/** Longer than a BYE's whole transaction (64 × T1 = 32 s): another replica does not send it again meanwhile. */
const CLAIM_MS = 60_000;
/** A call whose far end never answers our BYE/CANCEL is tried this many times, then let go. */
const MAX_TRIES = 3;

/**
 * No orphan calls (ARCHITECTURE.md "Carriers"): the calls of attempts the sweeper settled as
 * `interrupted` (their replica died) are ended from the dialog stored when they were placed —
 * BYE if answered, CANCEL if ringing — by whichever replica sweeps. The claim is committed
 * first; the far end's answers are not waited for here (they end the dialog rows as they come).
 */
export class OrphanHangup {
  constructor(
    private readonly deps: { attempts: AttemptRepository; carrier: Carrier; logger: Logger },
  ) {}

  /** Claims the orphans not yet ended and sends their BYE/CANCEL; resolves once they are sent on their way. */
  async sweep(): Promise<number> {
    const { attempts, carrier, logger } = this.deps;
    if (!carrier.endOrphan) return 0;
    const rows = await attempts.claimOrphans(CLAIM_MS, MAX_TRIES);
    for (const row of rows) {
      void carrier
        .endOrphan(row.dialog)
        .catch((err: unknown) => {
          logger.error({ err, attemptId: row.id }, 'orphaned call not ended');
          return false;
        })
        .then(async (ended) => {
          if (!ended && row.tries < MAX_TRIES) return; // its claim lapses, and a later sweep tries again
          if (!ended) logger.error({ attemptId: row.id, tries: row.tries }, 'orphaned call: no answer to our BYE/CANCEL; giving up');
          await attempts.orphansEnded([row.id]);
        })
        .catch((err: unknown) => logger.error({ err, attemptId: row.id }, 'orphaned call ended, not recorded (a later sweep sends it again)'));
    }
    if (rows.length > 0) logger.warn({ calls: rows.length }, 'ending the calls of a dead replica');
    return rows.length;
  }
}
