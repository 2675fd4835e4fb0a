import type { Bus } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import type { AttemptRepository, ClaimedAttempt } from '../data/attempt.repository';
import type { TaskRepository } from '../data/task.repository';
import type { Carrier } from '../domain/carrier';
import { ClaimLoop } from './claim-loop';
import { AttemptDialer } from './dial-attempt';
import { drainCheck, type DrainCheck } from './drain';
import { LeaseRenewal } from './lease-renewal';
import { ResultFlusher } from './result-flusher';
import { RosterLoader } from './roster-loader';
import { Sweeper } from './sweeper';
import type { DncRepository } from '../data/dnc.repository';
import { OrphanHangup } from './orphan-hangup';

export interface EngineOptions {
  /** This replica's name in claims. */
  me: string;
  leaseMs: number;
  tickMs: number;
  claimBatch: number;
  sweepMs: number;
  rosterPageSize: number;
  rosterTimeoutMs: number;
  /** First back-off of an attempt the carrier did not place (ms); doubles per try up to `notPlacedMaxMs`. */
  notPlacedBackoffMs: number;
  notPlacedMaxMs: number;
  /**
   * Failed unplaced tries after which the attempt is settled final as `failed`, reason
   * `not placed: <last reason>` (safe: nothing was sent), so a recording that never loads cannot
   * keep a task from draining. Waiting for capacity or a hold never ends an attempt (dial policy).
   */
  notPlacedMaxTries: number;
}

export interface EngineDeps {
  attempts: AttemptRepository;
  tasks: TaskRepository;
  /** the DNC list, for DTMF opt-outs (and their number.tagged events) */
  dnc: DncRepository;
  carrier: Carrier;
  bus: Bus;
  /** Publishes committed outbox rows now. */
  nudgeOutbox: () => void;
  loadUlaw: (tenantId: string, recordingId: string) => Promise<Buffer>;
  logger: Logger;
}

/**
 * The dialing of one replica, composed of its use cases: the claim loop (claims due attempts and
 * dials them), the result flusher (commits results and requeues in batches), lease renewal, the
 * sweeper (interrupted attempts of dead replicas, idle tasks' drains) and the roster loader.
 * Keeps the start/stop/nudge API app.ts and the edges use.
 */
export class DialerEngine {
  private readonly inFlight = new Map<string, ClaimedAttempt>();
  private readonly flusher: ResultFlusher;
  private readonly claims: ClaimLoop;
  private readonly leases: LeaseRenewal;
  private readonly sweeper: Sweeper;
  private readonly loader: RosterLoader;
  private readonly drain: DrainCheck;
  private stopped = true;

  constructor(deps: EngineDeps, opts: EngineOptions) {
    const logger = deps.logger.child({ component: 'dialer', dialerId: opts.me });
    const { attempts, tasks, nudgeOutbox } = deps;
    const inFlight = this.inFlight;
    this.drain = drainCheck(tasks, nudgeOutbox, logger);
    const nudgeClaims = () => this.claims.loop.nudge();
    this.flusher = new ResultFlusher({ attempts, me: opts.me, inFlight, drain: this.drain, nudgeOutbox, nudgeClaims, logger });
    const onSettled = (taskIds: string[]) => {
      nudgeOutbox();
      void this.drain(taskIds);
    };
    const dialer = new AttemptDialer({
      tasks,
      storeDialog: (id, dialog) => attempts.storeDialog(id, dialog),
      applyDtmf: async (a, tags, optOut) => {
        await deps.dnc.applyDtmf(a.tenantId, a.taskId, a.phone, tags, optOut);
        nudgeOutbox();
      },
      onSettled,
      carrier: deps.carrier,
      flusher: this.flusher,
      inFlight,
      loadUlaw: deps.loadUlaw,
      me: opts.me,
      limits: { backoffMs: opts.notPlacedBackoffMs, maxBackoffMs: opts.notPlacedMaxMs, maxTries: opts.notPlacedMaxTries },
      logger,
    });
    this.claims = new ClaimLoop({ attempts, dialer, maxChannels: deps.carrier.maxChannels, inFlight, onSettled, logger }, { me: opts.me, leaseMs: opts.leaseMs, tickMs: opts.tickMs, claimBatch: opts.claimBatch });
    this.leases = new LeaseRenewal({ attempts, inFlight, me: opts.me, leaseMs: opts.leaseMs, logger });
    this.loader = new RosterLoader(
      { tasks, bus: deps.bus, drain: this.drain, nudgeOutbox, nudgeClaims, logger },
      { me: opts.me, leaseMs: opts.leaseMs, pageSize: opts.rosterPageSize, rpcTimeoutMs: opts.rosterTimeoutMs, intervalMs: opts.sweepMs },
    );
    const orphans = new OrphanHangup({ attempts, carrier: deps.carrier, logger });
    this.sweeper = new Sweeper({ attempts, tasks, drain: this.drain, nudgeOutbox, nudgeLoader: () => this.loader.loop.nudge(), endOrphans: () => orphans.sweep(), logger }, opts.sweepMs);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const u of [this.flusher, this.claims, this.leases, this.sweeper, this.loader]) u.loop.start();
  }

  /** Work may be due (a task started, resumed or changed): look now rather than at the next tick. */
  nudge(): void {
    this.claims.loop.nudge();
  }

  /** A task started: load its roster now. */
  nudgeLoader(): void {
    this.loader.loop.nudge();
  }

  /** Calls this replica has claimed and not yet committed a result for. */
  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /** After a cancel: announce the task if nothing is left in flight. */
  checkDrained(taskIds: string[]): Promise<void> {
    return this.drain(taskIds);
  }

  /** Stops claiming, lets calls in flight finish (up to `graceMs`) and commits their results. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // The loader is not waited for: a page RPC in hand may take its whole timeout; the job is given
    // up at its next page, and its lease lets another replica resume it.
    void this.loader.loop.stop();
    await Promise.all([this.leases.loop.stop(), this.sweeper.loop.stop(), this.claims.loop.stop()]);
    const end = Date.now() + graceMs;
    while ((this.inFlight.size > 0 || this.flusher.busy) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await this.flusher.loop.stop();
  }
}
