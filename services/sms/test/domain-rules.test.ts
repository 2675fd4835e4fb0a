/** Unit tests of the pure rules in src/domain: no database, no broker. */
import { followUpFor, mayNeedSms, messageVariables, retryDelayMs, type TaskSmsSettings } from '../src/domain/follow-up';
import { measureSms, parseTemplate, renderTemplate } from '../src/domain/template';

const settings = (over: Partial<TaskSmsSettings> = {}): TaskSmsSettings => ({
  onDisconnect: { enabled: true, templateId: 'd' },
  onUnanswered: { enabled: true, templateId: 'u' },
  ...over,
});
const call = (outcome: string, final = true, hangupBy: 'callee' | 'system' | null = null) => ({ outcome, final, hangupBy });

describe('follow-up rules', () => {
  it.each([
    ['answered', false, true],
    ['no_answer', true, true],
    ['busy', true, true],
    ['unavailable', true, true],
    ['no_answer', false, false],
    ['failed', true, false],
  ] as const)('when a call ends %s (final: %s), then it may need an SMS: %s', (outcome, final, expected) => {
    expect(mayNeedSms(call(outcome, final))).toBe(expected);
  });

  it('when an answered call ends, then the disconnect SMS is due with its template', () => {
    expect(followUpFor(call('answered', false, 'system'), settings())).toEqual({ kind: 'disconnect', templateId: 'd' });
  });

  it('when the disconnect rule wants a callee hang-up, then only a callee hang-up gets it', () => {
    const s = settings({ onDisconnect: { enabled: true, templateId: 'd', when: 'calleeHangup' } });
    expect(followUpFor(call('answered', true, 'callee'), s)).toEqual({ kind: 'disconnect', templateId: 'd' });
    expect(followUpFor(call('answered', true, 'system'), s)).toBeNull();
  });

  it('when the last attempt goes unanswered, then the unanswered SMS is due; a retried one or a failed call gets none', () => {
    expect(followUpFor(call('busy'), settings())).toEqual({ kind: 'unanswered', templateId: 'u' });
    expect(followUpFor(call('busy', false), settings())).toBeNull();
    expect(followUpFor(call('failed'), settings())).toBeNull();
  });

  it('when a rule is disabled, then its kind is never due', () => {
    const off = { enabled: false, templateId: 'x' };
    expect(followUpFor(call('answered'), settings({ onDisconnect: off }))).toBeNull();
    expect(followUpFor(call('no_answer'), settings({ onUnanswered: off }))).toBeNull();
  });

  it('when variables are built, then the built-ins win over roster columns of the same name', () => {
    expect(messageVariables({ phone: '+15550100', name: null, variables: { name: 'Col', phone: 'x', city: 'Oslo' } }, 'Task')).toEqual({
      name: 'Col',
      phone: '+15550100',
      taskName: 'Task',
      city: 'Oslo',
    });
    expect(messageVariables({ phone: '+15550100', name: 'Ann', variables: { name: 'Col' } }, 'Task').name).toBe('Ann');
  });

  it('when a send is retried, then the delay doubles from the base and stops at 10 minutes', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 1000, 2000, 4000]);
    expect(retryDelayMs(30, 1000)).toBe(600_000);
  });
});

describe('template rules', () => {
  it('when placeholders are parsed, then outer spaces are trimmed and each variable is listed once', () => {
    expect(parseTemplate('Hi {{name}}, order {{ Order Id }} for {{name}}')).toEqual(['name', 'Order Id']);
  });

  it.each(['Hi {{name', 'Hi {{ }}', 'Hi {{a{b}}'])('when the template is %j, then it is a syntax error', (content) => {
    expect(() => parseTemplate(content)).toThrow(expect.objectContaining({ code: 'TEMPLATE_SYNTAX_INVALID' }));
  });

  it('when rendering, then missing and null variables render empty and are reported once', () => {
    expect(renderTemplate('{{a}}-{{ b }}-{{c}}-{{b}}', { a: 1, c: null })).toEqual({ text: '1---', missingVariables: ['b', 'c'] });
  });

  it.each([
    ['', 'GSM-7', 1],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['你'.repeat(70), 'UCS-2', 1],
    ['你'.repeat(71), 'UCS-2', 2],
  ] as const)('when measuring %j, then %s in %i segment(s)', (text, encoding, segments) => {
    expect(measureSms(text)).toMatchObject({ encoding, segments });
  });
});
