/**
 * The platform's one escape for text written into a spreadsheet export (xlsx or CSV): a cell that
 * starts with `=`, `+`, `-` or `@`, or with a tab or carriage return (which spreadsheet apps skip
 * before reading one of those), is run as a formula when the file is opened, so a leading
 * apostrophe makes it text (OWASP "CSV Injection"). Phone numbers (+62…) are escaped too, on
 * purpose: they come from uploads. Pure; every export calls this, never its own copy.
 */
export function escapeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
