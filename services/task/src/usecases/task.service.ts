import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Static } from '@sinclair/typebox';
import { AppError, DEFAULT_OPT_OUT_KEYWORDS, invalidField, isReplyableSender, newId, replyKeywordProblems, TaskCancelled, TaskCreated, TaskDeleted, TaskPaused, TaskResumed, TaskStarted, TaskUpdated, type CreateTask, type TaskDryRun, type UpdateTask } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay } from '@autocall/bus';
import { taskRepository as repo } from '../data/task.repository';
import type { Dependencies } from '../domain/dependencies';
import { assertUsableTemplate, usableRecording, usableRoster } from '../domain/references';
import { taskErrors } from '../domain/errors';
import { assertEndAfterStart, DEFAULT_DIALING, DEFAULT_SMS, enabledTemplates, mergeDialing, mergeSms, type SmsSettings } from '../domain/settings';
import { assertEditable, cancelRule, draftRow, hasEnded, pauseRule, resumedState, resumeRule, startFrom, type NewTask, type TaskRow } from '../domain/task';
import { toDraftView, toSnapshot, toView, type TaskView } from '../domain/task-view';
import { validateTaskName } from '../domain/task-name';
import { assertActiveSlot } from '../domain/active-limit';
import { publishStatus } from './public-events';
import type { Reservations } from './reservations';
import { type Lease, TaskControl } from './task-control';
import { publishSnapshots } from './snapshot-events';

type CreateInput = Static<typeof CreateTask>;
type UpdateInput = Static<typeof UpdateTask>;

export interface TaskServiceOptions {
  timezone: string;
  rpcTimeoutMs: number;
  /** The clock a create reads (start, startedAt, the calling window): a test's seam, the wall clock otherwise. */
  now?: () => Date;
}

/** A settled promise's value, or its error thrown: reference checks run together, judged in order. */
const valueOf = <T>(r: PromiseSettledResult<T>): T => {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
};

export class TaskService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly deps: Dependencies,
    private readonly opts: TaskServiceOptions,
    private readonly control: TaskControl,
    private readonly reservations: Reservations,
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  // ---- reads ----
  /** The tenant's blackout dates (the copy from calendar.updated), which nextCallAt skips. */
  private blackouts(tenantId: string) {
    return repo.blackoutsOf(this.db.manager, tenantId);
  }

  /** The view maker of one request: its clock and the tenant's calendar read once. */
  private async viewer(tenantId: string): Promise<(r: TaskRow) => TaskView> {
    const blackouts = await this.blackouts(tenantId);
    return (r) => toView(r, this.now(), blackouts);
  }

  async get(tenantId: string, id: string): Promise<TaskView> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw taskErrors.TASK_NOT_FOUND();
    return (await this.viewer(tenantId))(row);
  }

  async list(tenantId: string, q: { page: number; pageSize: number; name?: string; status?: string }) {
    const { rows, total } = await repo.list(this.db.manager, { tenantId, ...q });
    const view = await this.viewer(tenantId);
    return { items: rows.map(view), page: q.page, pageSize: q.pageSize, total };
  }

  async snapshot(tenantId: string, id: string) {
    const row = await repo.find(this.db.manager, tenantId, id);
    return row ? { found: true, task: toSnapshot(row) } : { found: false };
  }

  // ---- create ----
  /** Templates enabled in `sms`: each exists for the tenant, is approved and uses known variables; the account is active. */
  private async checkSms(tenantId: string, sms: SmsSettings, columns: string[]): Promise<void> {
    const ids = enabledTemplates(sms);
    const rules = sms.replyRules ?? [];
    if (ids.length === 0 && rules.length === 0) return;
    const [templates, account] = await Promise.all([
      Promise.allSettled(ids.map((id) => this.deps.template(tenantId, id))),
      Promise.allSettled([this.deps.smsAccount(tenantId)]),
    ]);
    for (const settled of templates) assertUsableTemplate(valueOf(settled), columns);
    const acc = valueOf(account[0]);
    if (!acc.active) throw taskErrors.SMS_ACCOUNT_INACTIVE();
    if (rules.length > 0) {
      if (!isReplyableSender(acc.senderId)) throw taskErrors.SMS_SENDER_NOT_REPLYABLE();
      // the account's opt-out keywords always win: a rule keyword equal to one could never match
      const [clash] = replyKeywordProblems(rules, acc.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS);
      if (clash) throw invalidField(clash.field, clash.message);
    }
  }

  private async checkReferences(tenantId: string, input: CreateInput, sms: SmsSettings) {
    const [recording, roster] = await Promise.allSettled([this.deps.recording(tenantId, input.recordingId), this.deps.roster(tenantId, input.rosterId)]);
    const rec = usableRecording(valueOf(recording));
    const { total, columns } = usableRoster(valueOf(roster));
    await this.checkSms(tenantId, sms, columns);
    return { recordingDurationMs: rec.durationMs, total, columns };
  }

  /**
   * Every check of a create, in its order (name, start, settings, then the references over RPC),
   * and the row it would insert: what `create` inserts and a dry run shows. Reserves nothing.
   */
  private async prepare(tenantId: string, input: CreateInput, now: Date): Promise<NewTask> {
    const name = validateTaskName(input.name);
    // the zone first: a zone-less start.at is read in it
    const dialing = mergeDialing(DEFAULT_DIALING, input.dialing, this.opts.timezone);
    const start = startFrom(input.start, now, dialing.timeZone!);
    assertEndAfterStart(dialing, start.at);
    const sms = mergeSms(DEFAULT_SMS, input.sms);
    const immediate = start.mode === 'immediate';
    // a first look without the lock (a dry run answers as the create would; the create looks again under it)
    if (immediate) assertActiveSlot(await repo.activeSlots(this.db.manager, tenantId), true);
    const refs = await this.checkReferences(tenantId, input, sms);
    return {
      id: newId(),
      tenant_id: tenantId,
      name,
      status: immediate ? 'running' : 'scheduled',
      recording_id: input.recordingId,
      recording_duration_ms: refs.recordingDurationMs,
      roster_id: input.rosterId,
      roster_columns: refs.columns,
      total: refs.total,
      start_mode: start.mode,
      start_at: start.at,
      timezone: dialing.timeZone!,
      sms,
      dialing,
      started_at: immediate ? now : null,
    };
  }

  /** `?dryRun=true`: the same checks and answers as a create, and the task it would make; nothing is inserted, reserved or published. */
  async dryRun(tenantId: string, input: CreateInput): Promise<TaskDryRun> {
    const now = this.now();
    const task = await this.prepare(tenantId, input, now);
    return { valid: true, task: toDraftView(draftRow(task, now), await this.blackouts(tenantId)) };
  }

  async create(tenantId: string, input: CreateInput, requestId?: string): Promise<TaskView> {
    const now = this.now();
    const task = await this.prepare(tenantId, input, now);
    const { id } = task;
    const templateIds = enabledTemplates(task.sms);
    let row: TaskRow;
    try {
      await this.deps.reserve(tenantId, id, { recordingId: task.recording_id, rosterId: task.roster_id, templateIds });
      row = await this.db.transaction(async (m) => {
        // an immediate start takes one of the tenant's active slots under the tenant's lock (no RPC is held over it)
        if (task.status === 'running') assertActiveSlot((await repo.lockActiveSlots(m, [tenantId])).get(tenantId), true);
        const r = await repo.insert(m, task);
        await publishSnapshots(m, TaskCreated, [r], requestId);
        if (task.start_mode === 'immediate') {
          await publishSnapshots(m, TaskStarted, [r], requestId);
          await publishStatus(m, [r], requestId, this.now());
        }
        return r;
      });
    } catch (err) {
      await this.reservations.compensate(tenantId, id);
      throw err;
    }
    this.relay.nudge();
    return toView(row, now, await this.blackouts(tenantId));
  }

  // ---- edit ----
  private async locked<T>(tenantId: string, id: string, fn: (m: EntityManager, row: TaskRow) => Promise<T>): Promise<T> {
    const out = await this.db.transaction(async (m) => {
      const row = await repo.find(m, tenantId, id, true);
      if (!row) throw taskErrors.TASK_NOT_FOUND();
      return fn(m, row);
    });
    this.relay.nudge();
    return out;
  }

  private async current(tenantId: string, id: string): Promise<TaskRow> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw taskErrors.TASK_NOT_FOUND();
    return row;
  }

  async update(tenantId: string, id: string, input: UpdateInput, requestId?: string): Promise<TaskView> {
    const name = input.name !== undefined ? validateTaskName(input.name) : undefined;
    const before = await this.current(tenantId, id);
    const change = { start: input.start !== undefined, settings: input.sms !== undefined || input.dialing !== undefined };
    const editable = (r: TaskRow) => assertEditable(r, change);
    editable(before);
    const now = new Date();
    const dialing = input.dialing !== undefined ? mergeDialing(before.dialing, input.dialing, before.timezone) : undefined;
    const start = input.start !== undefined ? startFrom(input.start, now, dialing?.timeZone ?? before.timezone) : undefined;
    if (dialing || start) assertEndAfterStart(dialing ?? before.dialing, start?.at ?? before.start_at);
    const sms = input.sms !== undefined ? mergeSms(before.sms, input.sms) : undefined;
    if (!sms) return this.applyUpdate(tenantId, id, { name, sms, dialing, start, now }, editable, requestId);
    await this.checkSms(tenantId, sms, before.roster_columns);
    // PATCHes that change sms run one at a time per task (a session advisory lock, not the row lock: the
    // RPCs below must not block progress, pause or the scheduler), so one's settle cannot release the
    // templates another has just reserved.
    const runner = await this.smsPatchLock(id);
    const key = `autocall:task-sms:${id}`;
    try {
      try {
        // Added to the task's reservations before the change commits, so the new templates cannot be
        // deleted under it; the ones it stops using are released once it has committed.
        await this.deps.reserveTemplates(tenantId, id, enabledTemplates(sms));
        return await this.applyUpdate(tenantId, id, { name, sms, dialing, start, now }, editable, requestId);
      } finally {
        await this.settleTemplates(tenantId, id);
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Takes the task's sms-PATCH advisory lock on a connection of its own and returns it. Waiting never
   * holds a pooled connection (try, give it back, try again), so waiters cannot starve the holder,
   * which needs one more connection for its transaction. Gives up with 503 after ~2 RPC timeouts.
   */
  private async smsPatchLock(id: string): Promise<QueryRunner> {
    const deadline = Date.now() + this.opts.rpcTimeoutMs * 2;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      const runner = this.db.createQueryRunner();
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`autocall:task-sms:${id}`]).catch(async (err: unknown) => {
        await runner.release();
        throw err;
      })) as { locked: boolean }[];
      if (locked) return runner;
      await runner.release();
      if (Date.now() > deadline) throw new AppError('DEPENDENCY_UNAVAILABLE', 503, 'Another change of this task is still in progress; nothing was changed.');
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * Leaves the sms service holding exactly the templates of the task as committed. A task that has
   * ended (or gone) releases all — checked again after the call: its release consumer may have run
   * before this PATCH's reserve landed, and runs after any end this second read does not see yet.
   * Best effort: a failure leaves a reservation too many, never one too few.
   */
  private async settleTemplates(tenantId: string, id: string): Promise<void> {
    const ended = (r: TaskRow | undefined) => !r || hasEnded(r.status);
    try {
      const row = await repo.find(this.db.manager, tenantId, id);
      if (!ended(row)) {
        await this.deps.settleTemplates(tenantId, id, enabledTemplates(row!.sms));
        if (!ended(await repo.find(this.db.manager, tenantId, id))) return;
      }
    } catch {
      return;
    }
    await this.reservations.compensate(tenantId, id);
  }

  private applyUpdate(
    tenantId: string,
    id: string,
    change: { name?: string; sms?: SmsSettings; dialing?: ReturnType<typeof mergeDialing>; start?: { mode: 'immediate' | 'scheduled'; at: Date }; now: Date },
    editable: (r: TaskRow) => void,
    requestId?: string,
  ): Promise<TaskView> {
    const { name, sms, dialing, start, now } = change;
    return this.locked(tenantId, id, async (m, row) => {
      editable(row);
      const view = (r: TaskRow) => toView(r, this.now(), blackouts);
      const blackouts = await repo.blackoutsOf(m, tenantId);
      const fields: Parameters<typeof repo.update>[2] = {};
      if (name !== undefined && name !== row.name) fields.name = name;
      if (sms) fields.sms = sms;
      if (dialing) {
        fields.dialing = dialing;
        if (dialing.timeZone !== row.timezone) fields.timezone = dialing.timeZone;
      }
      let started = false;
      if (start) {
        fields.start_mode = start.mode;
        fields.start_at = start.at;
        if (start.mode === 'immediate' && row.status === 'scheduled') {
          assertActiveSlot((await repo.lockActiveSlots(m, [tenantId])).get(tenantId), true);
          fields.status = 'running';
          fields.started_at = now;
          started = true;
        }
      }
      if (Object.keys(fields).length === 0) return view(row);
      const r = await repo.update(m, id, fields);
      await publishSnapshots(m, TaskUpdated, [r], requestId);
      if (started) {
        await publishSnapshots(m, TaskStarted, [r], requestId);
        await publishStatus(m, [r], requestId, this.now());
      }
      return view(r);
    });
  }

  // ---- transitions: under the task's control lease, the dialer commits first (RPC), then this service ----
  /** Runs a transition under the control lease; a dialer that turned out cancelled ends it 409. */
  private async transition(tenantId: string, id: string, run: (row: TaskRow, lease: Lease) => Promise<{ adopted: boolean; value?: TaskView }>): Promise<TaskView> {
    const out = (await this.control.withLease(tenantId, id, run))!;
    if (out.adopted) throw taskErrors.TASK_INVALID_TRANSITION('The task has been cancelled.');
    return out.value!;
  }

  async pause(tenantId: string, id: string, requestId?: string): Promise<TaskView> {
    const view = await this.viewer(tenantId);
    return this.transition(tenantId, id, async (before, lease) => {
      // Paused already: the hold is sent again all the same (under a newer generation), so the
      // dialer holds whatever an earlier order that timed out did or did not do.
      if (pauseRule(before.status).kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${before.status} task cannot be paused.`);
      const ack = await this.control.send(lease, before, 'hold');
      return this.control.commit(lease, 'hold', ack, async (m, row) => {
        const again = pauseRule(row.status);
        if (again.kind === 'same') return view(row);
        if (again.kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${row.status} task cannot be paused.`);
        // after the hold committed in the dialer: no call of the task starts after pausedAt
        const r = await repo.update(m, id, { status: 'paused', paused_at: new Date() });
        await publishSnapshots(m, TaskPaused, [r], requestId);
        await publishStatus(m, [r], requestId, this.now());
        return view(r);
      });
    });
  }

  async resume(tenantId: string, id: string, requestId?: string): Promise<TaskView> {
    const view = await this.viewer(tenantId);
    return this.transition(tenantId, id, async (before, lease) => {
      // Running already: the release is sent again, for the same reason as in pause.
      const rule = resumeRule(before.status);
      if (rule.kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${before.status} task cannot be resumed.`);
      // A paused task is active already: a resume adds none, so it needs no lock, only a tenant within its limit.
      if (rule.kind !== 'same' && resumedState(before, new Date()).status === 'running') assertActiveSlot(await repo.activeSlots(this.db.manager, tenantId), false);
      const ack = await this.control.send(lease, before, 'release');
      return this.control.commit(lease, 'release', ack, async (m, row) => {
        const again = resumeRule(row.status);
        if (again.kind === 'same') return view(row);
        if (again.kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${row.status} task cannot be resumed.`);
        const now = new Date();
        const { status, firstStart } = resumedState(row, now);
        const r = await repo.update(m, id, { status, paused_at: null, ...(firstStart ? { started_at: now } : {}) });
        await publishSnapshots(m, TaskResumed, [r], requestId);
        if (firstStart) await publishSnapshots(m, TaskStarted, [r], requestId);
        await publishStatus(m, [r], requestId, this.now());
        return view(r);
      });
    });
  }

  async cancel(tenantId: string, id: string, requestId?: string): Promise<TaskView> {
    const view = await this.viewer(tenantId);
    return this.transition(tenantId, id, async (before, lease) => {
      const rule = cancelRule(before.status);
      if (rule.kind === 'same') return { adopted: false, value: view(before) };
      if (rule.kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${before.status} task cannot be cancelled.`);
      const ack = await this.control.send(lease, before, 'cancel');
      return this.control.commit(lease, 'cancel', ack, async (m, row) => {
        const again = cancelRule(row.status);
        if (again.kind === 'same') return view(row);
        if (again.kind === 'invalid') throw taskErrors.TASK_INVALID_TRANSITION(`A ${row.status} task cannot be cancelled.`);
        const r = await repo.update(m, id, { status: 'cancelled', cancelled_at: new Date(), cancelled: ack.cancelledCount ?? 0 });
        await publishSnapshots(m, TaskCancelled, [r], requestId);
        await publishStatus(m, [r], requestId, this.now());
        return view(r);
      });
    });
  }

  async remove(tenantId: string, id: string, requestId?: string): Promise<void> {
    await this.locked(tenantId, id, async (m, row) => {
      if (!hasEnded(row.status)) throw taskErrors.TASK_NOT_DELETABLE();
      await repo.remove(m, id);
      await publishInTransaction(m, TaskDeleted, { tenantId, taskId: id }, { requestId });
    });
  }
}
