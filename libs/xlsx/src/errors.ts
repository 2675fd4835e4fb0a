/** The workbook cannot be read: its zip or its XML is damaged, or it is not what it claims. */
export class XlsxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XlsxError';
  }
}

/**
 * The zip's directory is refused: `not-zip` (not a zip, or a damaged one) or `too-large` (ZIP64,
 * local headers that announce other sizes than the directory, or a cap of the caller's).
 */
export class ZipError extends XlsxError {
  constructor(
    readonly kind: 'not-zip' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'ZipError';
  }
}

/** The shared-strings table holds more items than the reader's cap (maxSharedStrings). */
export class TooManySharedStrings extends XlsxError {
  constructor(max: number) {
    super(`the workbook has more than ${max} shared strings`);
    this.name = 'TooManySharedStrings';
  }
}

/** The sheet's cells expand to more text than allowed (a shared string referenced too often). */
export class TextBudgetExceeded extends XlsxError {
  constructor(limit: number) {
    super(`the sheet's text expands to more than ${limit} bytes`);
    this.name = 'TextBudgetExceeded';
  }
}

/** readSheet: the workbook has no sheet the caller picked, or its part is missing. */
export class NoWorksheet extends XlsxError {
  constructor() {
    super('the workbook has no readable worksheet');
    this.name = 'NoWorksheet';
  }
}
