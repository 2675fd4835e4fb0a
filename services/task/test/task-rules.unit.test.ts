/** The task service's pure rules (src/domain): no database, no broker. */
import { CallCompleted, DialerTaskDrained, SmsFailed, SmsSent } from '@autocall/contracts';
import { foldProgress, movesProgress, type ProgressMessage } from '../src/domain/progress';
import { assertUsableTemplate, usableRecording, usableRoster } from '../src/domain/references';
import {
  assertEditable,
  cancelRule,
  desiredCommand,
  finalOf,
  hasEnded,
  pauseRule,
  percentOf,
  resumedState,
  resumeRule,
  shouldComplete,
  startFrom,
  type TaskRow,
  type TaskStatus,
} from '../src/domain/task';

const STATUSES: TaskStatus[] = ['scheduled', 'running', 'paused', 'completed', 'cancelled'];
const TZ = 'Asia/Jakarta';

/** A stored task with zero counters, overridden as given (only what the rules read matters). */
const row = (o: Partial<TaskRow> = {}): TaskRow =>
  ({ status: 'running', total: 10, answered: 0, no_answer: 0, busy: 0, unavailable: 0, invalid_number: 0, failed: 0, suppressed: 0, expired: 0, cancelled: 0, final_count: null, started_at: null, start_at: new Date(0), ...o }) as TaskRow;

const problem = (code: string, status: number) => expect.objectContaining({ code, status });

describe('task state machine', () => {
  // API.md "Status": go = the transition happens; same = an idempotent repeat (200, no change); invalid = 409
  const table: Record<TaskStatus, { pause: string; resume: string; cancel: string }> = {
    scheduled: { pause: 'go', resume: 'same', cancel: 'go' },
    running: { pause: 'go', resume: 'same', cancel: 'go' },
    paused: { pause: 'same', resume: 'go', cancel: 'go' },
    completed: { pause: 'invalid', resume: 'invalid', cancel: 'invalid' },
    cancelled: { pause: 'invalid', resume: 'invalid', cancel: 'same' },
  };
  it.each(STATUSES)('when a %s task is paused, resumed or cancelled, then each is allowed, a repeat or refused as the table says', (status) => {
    expect({ pause: pauseRule(status).kind, resume: resumeRule(status).kind, cancel: cancelRule(status).kind }).toEqual(table[status]);
  });

  it.each([
    ['paused', 'hold'],
    ['cancelled', 'cancel'],
    ['running', 'release'],
    ['scheduled', 'release'],
    ['completed', undefined],
  ] as const)('when a task is %s, then the dialer must hold %p for it', (status, cmd) => {
    expect(desiredCommand(status)).toBe(cmd);
  });

  it.each(STATUSES)('when a task is %s, then it has ended only if completed or cancelled', (status) => {
    expect(hasEnded(status)).toBe(status === 'completed' || status === 'cancelled');
  });

  describe('resume', () => {
    const now = new Date('2026-01-15T02:00:00Z');
    it('when a task paused before its start time is resumed before it, then it waits for the scheduler again', () => {
      expect(resumedState(row({ started_at: null, start_at: new Date(now.getTime() + 60_000) }), now)).toEqual({ status: 'scheduled', firstStart: false });
    });
    it('when a task paused before its start time is resumed after it, then it runs and starts for the first time', () => {
      expect(resumedState(row({ started_at: null, start_at: new Date(now.getTime() - 1) }), now)).toEqual({ status: 'running', firstStart: true });
    });
    it('when a task paused at its exact start time is resumed, then it runs and starts for the first time', () => {
      expect(resumedState(row({ started_at: null, start_at: now }), now)).toEqual({ status: 'running', firstStart: true });
    });
    it('when a task that had started is resumed, then it runs and does not start again', () => {
      expect(resumedState(row({ started_at: new Date(0), start_at: new Date(now.getTime() + 60_000) }), now)).toEqual({ status: 'running', firstStart: false });
    });
  });

  describe('completion', () => {
    it('when the dialer has not reported its final count, then the task does not complete', () => {
      expect(shouldComplete(row({ answered: 10 }))).toBe(false);
    });
    it('when final and cancelled numbers reach the final count, then a running or paused task completes', () => {
      for (const status of ['running', 'paused'] as const) expect(shouldComplete(row({ status, final_count: 4, answered: 1, busy: 1, failed: 1, cancelled: 1 }))).toBe(true);
    });
    it('when one number is still pending, then it does not complete', () => {
      expect(shouldComplete(row({ final_count: 4, answered: 1, busy: 1, failed: 1 }))).toBe(false);
    });
    it.each(['scheduled', 'completed', 'cancelled'] as const)('when the task is %s, then it does not complete', (status) => {
      expect(shouldComplete(row({ status, final_count: 1, answered: 1 }))).toBe(false);
    });
  });

  it('when numbers have final outcomes, then percent is final / total rounded to two decimals, cancelled ones not counted', () => {
    const r = row({ total: 3, answered: 1, no_answer: 0, cancelled: 1 });
    expect([finalOf(r), percentOf(r)]).toEqual([1, 33.33]);
    expect(percentOf(row({ total: 0 }))).toBe(0);
  });
});

describe('start rule', () => {
  const now = new Date('2026-01-15T02:00:00Z'); // 09:00 WIB
  it('when the start is immediate, then it is now', () => {
    expect(startFrom({ mode: 'immediate' }, now, TZ)).toEqual({ mode: 'immediate', at: now });
  });
  it('when an immediate start has a time, then 400 on start.at', () => {
    expect(() => startFrom({ mode: 'immediate', at: '2026-01-16T09:00' }, now, TZ)).toThrow(problem('VALIDATION_FAILED', 400));
  });
  it('when a scheduled start has no time, then 400 on start.at', () => {
    expect(() => startFrom({ mode: 'scheduled' }, now, TZ)).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'start.at' })] }));
  });
  it('when a scheduled start is a WIB wall-clock time later today, then it is that instant', () => {
    expect(startFrom({ mode: 'scheduled', at: '2026-01-15T09:00:01' }, now, TZ).at.toISOString()).toBe('2026-01-15T02:00:01.000Z');
  });
  it.each(['2026-01-15T09:00', '2026-01-15T08:59:59.999', '2026-01-15T02:00Z'])('when a scheduled start is %p (now or before), then 422 SCHEDULE_IN_PAST', (at) => {
    expect(() => startFrom({ mode: 'scheduled', at }, now, TZ)).toThrow(problem('SCHEDULE_IN_PAST', 422));
  });
});

describe('edit rule', () => {
  it.each([
    ['scheduled', null, true],
    ['paused', null, true],
    ['paused', new Date(0), false],
    ['running', new Date(0), false],
    ['completed', new Date(0), false],
    ['cancelled', null, false],
  ] as const)('when a %s task (started %p) gets a new start, then editable is %p', (status, started_at, ok) => {
    const edit = () => assertEditable(row({ status, started_at }), { start: true, settings: false });
    if (ok) expect(edit).not.toThrow();
    else expect(edit).toThrow(problem('TASK_NOT_EDITABLE', 409));
  });
  it.each(STATUSES)('when a %s task gets new sms or dialing settings, then only an ended one refuses', (status) => {
    const edit = () => assertEditable(row({ status, started_at: new Date(0) }), { start: false, settings: true });
    if (hasEnded(status)) expect(edit).toThrow(problem('TASK_NOT_EDITABLE', 409));
    else expect(edit).not.toThrow();
  });
  it('when only the name changes, then every state may edit it', () => {
    for (const status of STATUSES) expect(() => assertEditable(row({ status, started_at: new Date(0) }), { start: false, settings: false })).not.toThrow();
  });
});

describe('reference rules', () => {
  it('when the recording is missing or not ready, then 422; when its owner gives no status, then it is taken as ready', () => {
    expect(() => usableRecording({ found: false })).toThrow(problem('RECORDING_NOT_FOUND', 422));
    expect(() => usableRecording({ found: true, status: 'processing' })).toThrow(problem('RECORDING_NOT_READY', 422));
    expect(usableRecording({ found: true })).toEqual({ durationMs: 0 });
    expect(usableRecording({ found: true, status: 'ready', durationMs: 1500 })).toEqual({ durationMs: 1500 });
  });
  it('when the roster is missing, not ready or has no valid number, then 422; else its count and columns', () => {
    expect(() => usableRoster({ found: false })).toThrow(problem('ROSTER_NOT_FOUND', 422));
    expect(() => usableRoster({ found: true, status: 'validating', valid: 3 })).toThrow(problem('ROSTER_NOT_READY', 422));
    expect(() => usableRoster({ found: true, status: 'ready', valid: 0 })).toThrow(problem('ROSTER_EMPTY', 422));
    expect(usableRoster({ found: true, status: 'ready', valid: 3 })).toEqual({ total: 3, columns: [] });
  });
  it('when a template is missing, unapproved or uses an unknown variable, then 422 naming it; built-ins and trimmed columns are known', () => {
    expect(() => assertUsableTemplate({ found: false }, [])).toThrow(problem('TEMPLATE_NOT_FOUND', 422));
    expect(() => assertUsableTemplate({ found: true, status: 'pending' }, [])).toThrow(problem('TEMPLATE_NOT_APPROVED', 422));
    expect(() => assertUsableTemplate({ found: true, status: 'approved', variables: ['name', 'Order Id'] }, ['Order'])).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_VARIABLES_MISSING', message: expect.stringContaining('{{Order Id}}') }),
    );
    expect(() => assertUsableTemplate({ found: true, status: 'approved', variables: ['name', 'phone', 'taskName', 'Order Id'] }, [' Order Id '])).not.toThrow();
  });
});

describe('progress fold', () => {
  const task = '018f0000-0000-7000-8000-000000000001';
  const tenant = '018f0000-0000-7000-8000-0000000000aa';
  const call = (phone: string, attempt: number, outcome: string, final = true, requestId?: string): ProgressMessage => ({
    contract: CallCompleted,
    payload: { tenantId: tenant, taskId: task, phone, attempt, outcome, final },
    ctx: { requestId },
  });
  const only = (messages: ProgressMessage[]) => {
    const folds = [...foldProgress(messages).values()];
    expect(folds).toHaveLength(1);
    return folds[0];
  };

  it('when a call result is not final, then it moves no progress; other messages do', () => {
    expect([call('+1', 1, 'busy', false), call('+1', 1, 'busy'), { contract: SmsSent, payload: {}, ctx: {} }].map(movesProgress)).toEqual([false, true, true]);
  });
  it('when a number has several final attempts in a batch, then the latest attempt counts, and an equal or older one does not replace it', () => {
    const f = only([call('+1', 2, 'busy'), call('+1', 1, 'answered'), call('+1', 2, 'failed'), call('+2', 1, 'no_answer'), call('+2', 3, 'answered')]);
    expect([...f.finals.values()]).toEqual([
      { phone: '+1', outcome: 'busy', attempt: 2 },
      { phone: '+2', outcome: 'answered', attempt: 3 },
    ]);
  });
  it('when a number and kind has several SMS end states, then the last one counts', () => {
    const sms = (contract: unknown, kind: string, status: string): ProgressMessage => ({ contract, payload: { tenantId: tenant, taskId: task, phone: '+1', kind, status }, ctx: {} });
    const f = only([sms(SmsFailed, 'unanswered', 'failed'), sms(SmsSent, 'unanswered', 'sent'), sms(SmsSent, 'disconnect', 'sent')]);
    expect([...f.sms.values()].map((s) => [s.kind, s.status])).toEqual([
      ['unanswered', 'sent'],
      ['disconnect', 'sent'],
    ]);
  });
  it('when the dialer reports the task drained, then its final count and unreached numbers (0 if not given) are kept, with the last request id given', () => {
    const drained = (finalCount: number, unreached?: number, requestId?: string): ProgressMessage => ({ contract: DialerTaskDrained, payload: { tenantId: tenant, taskId: task, finalCount, cancelled: 0, unreached }, ctx: { requestId } });
    expect(only([call('+1', 1, 'busy', true, 'r1'), drained(5)])).toMatchObject({ finalCount: 5, unreached: 0, requestId: 'r1' });
    expect(only([drained(5, 2, 'r1'), drained(7, 1, 'r2'), call('+1', 1, 'busy')])).toMatchObject({ finalCount: 7, unreached: 1, requestId: 'r2' });
  });
  it('when messages name the same task under two tenants, then they fold apart', () => {
    const other = { ...call('+1', 1, 'busy'), payload: { tenantId: '018f0000-0000-7000-8000-0000000000bb', taskId: task, phone: '+1', attempt: 1, outcome: 'busy', final: true } };
    expect(foldProgress([call('+1', 1, 'answered'), other]).size).toBe(2);
  });
});
