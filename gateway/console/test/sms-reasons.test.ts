import { smsReason } from '../src/admin/smsReasons';
import { translate } from '../src/i18n/languages';

// Why an SMS was skipped, as SMS Messages says it: the API's codes in the reader's language, anything else as the API gave it.
describe('an SMS’s skip reason in words', () => {
  it.each(['en', 'zh', 'id'] as const)('when the reason is one of the API’s codes, then %s says it in words', (language) => {
    const t = (key: Parameters<typeof translate>[1]) => translate(language, key);
    for (const code of ['DNC', 'TOO_LATE', 'CONTACT_LIMIT', 'TENANT_LIMIT']) {
      const words = smsReason(t, code);
      expect(words).not.toBe(code);
      expect(words).toBe(translate(language, `smsMessages.reason.${code}` as Parameters<typeof translate>[1]));
    }
  });

  it('when the reason is the service’s own text, or names no code of ours, then it is shown as it came', () => {
    const t = (key: Parameters<typeof translate>[1]) => translate('en', key);
    expect(['SMS account inactive', 'template deleted', 'constructor', 'toString', ''].map((r) => smsReason(t, r))).toEqual(['SMS account inactive', 'template deleted', 'constructor', 'toString', '']);
  });
});
