import { en } from '../src/i18n/en';
import { languages, translate } from '../src/i18n/languages';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console dictionaries', () => {
  const keys = Object.keys(en).sort();

  it.each(languages.map((l) => [l.code, l.dictionary] as const))('when %s is read, then it has every key of English and no other, each non-empty', (_code, dictionary) => {
    expect(Object.keys(dictionary).sort()).toEqual(keys);
    expect(Object.entries(dictionary).filter(([, v]) => v.trim() === '')).toEqual([]);
  });

  it.each(languages.map((l) => [l.code, l.dictionary] as const))('when %s is read, then each message has the placeholders the English one has', (_code, dictionary) => {
    const differing = keys.filter((k) => placeholders((dictionary as Record<string, string>)[k]).join() !== placeholders((en as Record<string, string>)[k]).join());
    expect(differing).toEqual([]);
  });

  it('when a message is translated, then its placeholders are filled and an unknown one stays as written', () => {
    expect(translate('en', 'paging.position', { page: 2, pages: 5, total: 93 })).toBe('Page 2 of 5 (93 in all)');
    expect(translate('zh', 'login.failed.rateLimited', {})).toContain('{seconds}');
  });

  it('when the login words are read in English, then they are the product manual\'s', () => {
    expect([en['login.email'], en['login.password'], en['login.submit'], en['header.logout']]).toEqual(['Email', 'Password', 'Log In', 'Log Out']);
    expect([en['nav.voice'], en['nav.autoCall'], en['nav.scheduler'], en['nav.smsTemplates'], en['nav.taskRoster'], en['nav.recordingFiles'], en['tasks.title']]).toEqual([
      'Voice', 'Auto Call', 'Scheduler', 'SMS Templates', 'Task Roster', 'Recording Files', 'Task Management',
    ]);
  });
});
