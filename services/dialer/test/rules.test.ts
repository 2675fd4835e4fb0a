import { AppError } from '@autocall/contracts';
import { durationMs, isFinal, settledFailedEvent, simulatedAmd, simulatedPlan } from '../src/domain/outcome';
import { isDefinitiveRefusal, isOddRefusal } from '../src/domain/roster-refusal';
import { csvLine, escapeCell } from '../src/domain/report';

describe('retry rules (API.md outcome table)', () => {
  it.each([
    ['answered', true, 1, 3, false, true],
    ['failed', false, 1, 3, false, true],
    ['no_answer', true, 1, 3, false, false],
    ['no_answer', true, 3, 3, false, true],
    ['busy', true, 1, 2, false, false],
    ['unavailable', false, 1, 3, false, true],
    ['unavailable', true, 1, 3, true, true],
  ] as const)('when %s (retryable %p) on attempt %i of %i, cancelled %p, then final is %p', (outcome, retryable, attempt, max, cancelled, final) => {
    expect(isFinal({ outcome, retryable }, attempt, max, cancelled)).toBe(final);
  });

  it('when a call was never answered, then its duration is 0; otherwise answer to end', () => {
    expect(durationMs({ answeredAt: null, endedAt: new Date(5000) })).toBe(0);
    expect(durationMs({ answeredAt: new Date(1000), endedAt: new Date(5000) })).toBe(4000);
  });
});

describe('simulated carrier table', () => {
  it.each([
    ['0', 1, 'answered', 'callee', 5000],
    ['2', 1, 'answered', 'callee', 5000],
    ['3', 1, 'answered', 'system', 10000],
    ['5', 1, 'no_answer', null, 0],
    ['6', 1, 'busy', null, 0],
    ['7', 1, 'unavailable', null, 0],
    ['8', 1, 'no_answer', null, 0],
    ['8', 2, 'answered', 'system', 10000],
    ['9', 1, 'failed', null, 0],
  ])('when the number ends in %s (attempt %i), then %s, hang-up by %p, talk %i ms', (digit, attempt, outcome, hangupBy, talk) => {
    const plan = simulatedPlan(`+6281234567${digit}`, attempt, 30, 10_000);
    expect([plan.outcome, plan.hangupBy, plan.talkMs]).toEqual([outcome, hangupBy, talk]);
    expect(plan.retryable).toBe(['no_answer', 'busy', 'unavailable'].includes(outcome));
  });

  it('when nobody answers, then it rings for the ring timeout', () => {
    expect(simulatedPlan('+62812345675', 1, 45, 1000).ringMs).toBe(45_000);
  });

  it('when the task asks for AMD, then an answered number ending in 4 is a machine (hung up after 3 s with onMachine hangup, played otherwise), any other a person; without AMD, no answeredBy', () => {
    const amd = (phone: string, onMachine: 'hangup' | 'play' | 'playAfterBeep' = 'hangup', enabled = true) =>
      simulatedAmd(phone, simulatedPlan(phone, 1, 30, 10_000), { enabled, onMachine });
    expect(amd('+62812345674')).toEqual({ answeredBy: 'machine', talkMs: 3000, hangupBy: 'system' });
    expect(amd('+62812345674', 'play')).toEqual({ answeredBy: 'machine', talkMs: 10_000, hangupBy: 'system' });
    expect(amd('+62812345673')).toEqual({ answeredBy: 'human', talkMs: 10_000, hangupBy: 'system' });
    expect(amd('+62812345670')).toEqual({ answeredBy: 'human', talkMs: 5000, hangupBy: 'callee' });
    expect(amd('+62812345675')).toEqual({ answeredBy: null, talkMs: 0, hangupBy: null });
    expect(amd('+62812345674', 'hangup', false).answeredBy).toBeNull();
  });
});

describe('report cells', () => {
  it.each([
    ['=HYPERLINK("x")', `'=HYPERLINK("x")`],
    ['+6281234', `'+6281234`],
    ['-1', `'-1`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tx', `'\tx`],
    ['\rx', `'\rx`],
    ['Budi', 'Budi'],
  ])('when a cell is %p, then it is written %p', (raw, out) => {
    expect(escapeCell(raw)).toBe(out);
  });

  it('when a csv field holds a comma, quote or newline, then it is quoted', () => {
    expect(csvLine(['a,b', 'say "hi"', 'x\ny', 'plain'])).toBe('"a,b","say ""hi""","x\ny",plain\r\n');
  });
});

describe('roster refusals', () => {
  it.each([
    [new AppError('ROSTER_NOT_FOUND', 422, 'The roster does not exist.'), true, true],
    [new AppError('ROSTER_NOT_FOUND', 404, 'gone'), true, true],
    [new AppError('FORBIDDEN', 403, 'not yours'), true, true],
    [new AppError('DEPENDENCY_UNAVAILABLE', 503, 'down'), false, false],
    [new AppError('INTERNAL_ERROR', 500, 'bug'), false, false],
    [new AppError('RPC_INVALID_REQUEST', 400, 'schema mismatch during an upgrade'), false, true],
    [new AppError('CONFLICT', 409, 'odd'), false, true],
    [new Error('RPC roster.entries.page timed out'), false, false],
  ])('when the roster page fails with %p, then it is a definitive refusal: %p; a 4xx (retried in 60 s unless definitive): %p', (err, definitive, fourXx) => {
    expect(isDefinitiveRefusal(err)).toBe(definitive);
    expect(isOddRefusal(err)).toBe(fourXx);
  });
});

describe('attempts the dialer settles failed itself', () => {
  const row = { id: 'a1', phone: '+6281234567', row_number: 7, attempt: 2, name: null, variables: null, ended_at: new Date('2026-12-01T00:00:05Z') };

  it('when it never started (never placed, roster refused), then its call.completed carries the end as its start, final, no duration', () => {
    expect(settledFailedEvent(row, 't1', 'k1', 'roster unavailable')).toEqual({
      tenantId: 't1', taskId: 'k1', attemptId: 'a1', phone: '+6281234567', rowNumber: 7, attempt: 2, outcome: 'failed', hangupBy: null, sipCode: null,
      failureReason: 'roster unavailable', startedAt: '2026-12-01T00:00:05.000Z', answeredAt: null, endedAt: '2026-12-01T00:00:05.000Z', durationMs: 0,
      name: null, variables: {}, final: true,
    });
  });

  it('when it had started (interrupted), then its start is kept', () => {
    expect(settledFailedEvent({ ...row, started_at: new Date('2026-12-01T00:00:01Z') }, 't1', 'k1', 'interrupted')).toMatchObject({ startedAt: '2026-12-01T00:00:01.000Z', failureReason: 'interrupted' });
  });
});
