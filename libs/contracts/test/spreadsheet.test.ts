import { escapeFormula } from '@autocall/contracts';

describe('formula escape for exports', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+6281234567890', `'+6281234567890`],
    ['-1+2', `'-1+2`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
  ])('when a cell starts with a formula character (%p), then it is written after an apostrophe', (raw, out) => {
    expect(escapeFormula(raw)).toBe(out);
  });

  it.each([['Budi'], ['0812-3456'], [''], [" '=already text"], ["'=x"], ['a=b']])('when a cell does not start with one (%p), then it is written as it is', (raw) => {
    expect(escapeFormula(raw)).toBe(raw);
  });
});
