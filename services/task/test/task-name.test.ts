import { isValidTaskName, validateTaskName } from '../src/domain/task-name';

describe('task name rule', () => {
  it.each([
    ['January 2026 Promotion', true],
    ['一月促销 2026', true],
    ['  padded  ', true],
    ['a', true],
    ['x'.repeat(64), true],
    ['中'.repeat(64), true],
    ['𠀀 Han outside the BMP', true],
    ['Promo@2026', false],
    ['100%', false],
    ['a_b', false],
    ['a-b', false],
    ['#1', false],
    ['Café', false],
    ['Promo 🎉', false],
    ['', false],
    ['   ', false],
    ['\t', false],
    ['x'.repeat(65), false],
    ['ａｂｃ', false], // full-width Latin is not A–Z
    ['١٢٣', false], // Arabic-Indic digits are not 0–9
    ['こんにちは', false], // kana is not Han
    ['한국', false],
    ['a\tb', false],
    ['\tPromo', false], // only plain spaces are trimmed
    ['Promo\n', false],
    ['\u00a0Promo', false],
    ['Promo\u3000', false],
  ])('when the name is %p, then valid is %p', (name, ok) => {
    expect(isValidTaskName(name)).toBe(ok);
    if (ok) expect(validateTaskName(name)).toBe(name.trim());
    else expect(() => validateTaskName(name)).toThrow(expect.objectContaining({ code: 'TASK_NAME_INVALID', status: 400 }));
  });
});
