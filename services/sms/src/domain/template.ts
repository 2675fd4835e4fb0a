import { smsErrors } from './errors';

/** Variables every template may use whatever the roster: the rest come from roster columns. */
export const BUILT_IN_VARIABLES = ['name', 'phone', 'taskName'] as const;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Parses a template's placeholders. `{{ Order Id }}` is the variable "Order Id" (outer spaces
 * trimmed). An unclosed `{{`, an empty `{{ }}` or a brace inside a placeholder is a syntax error.
 * Returns the distinct variables in order of first use.
 */
export function parseTemplate(content: string): string[] {
  const variables: string[] = [];
  let i = 0;
  while ((i = content.indexOf('{{', i)) !== -1) {
    const close = content.indexOf('}}', i + 2);
    if (close === -1) throw smsErrors.TEMPLATE_SYNTAX_INVALID(`Unclosed "{{" at position ${i}.`);
    const inner = content.slice(i + 2, close);
    if (inner.includes('{') || inner.includes('}')) throw smsErrors.TEMPLATE_SYNTAX_INVALID(`Stray brace inside the placeholder at position ${i}.`);
    const name = inner.trim();
    if (!name) throw smsErrors.TEMPLATE_SYNTAX_INVALID(`Empty placeholder at position ${i}.`);
    if (!variables.includes(name)) variables.push(name);
    i = close + 2;
  }
  return variables;
}

export interface Rendered {
  text: string;
  missingVariables: string[];
}

/** Fills placeholders; a missing variable renders as empty text and is reported. */
export function renderTemplate(content: string, variables: Record<string, string | number | null | undefined>): Rendered {
  const missing: string[] = [];
  const text = content.replace(PLACEHOLDER, (_m, raw: string) => {
    const name = raw.trim();
    const value = Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
    if (value === undefined || value === null) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return String(value);
  });
  return { text, missingVariables: missing };
}

// GSM 03.38 basic character set, and the extension table whose characters take two septets.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSize {
  encoding: SmsEncoding;
  /** septets for GSM-7, UTF-16 code units for UCS-2 */
  units: number;
  segments: number;
}

/**
 * GSM-7 when every character is in the GSM alphabet (extension characters count 2): 160 units in
 * one SMS, 153 per part when concatenated. Otherwise UCS-2: 70, or 67 per part.
 */
export function measureSms(text: string): SmsSize {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 1 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length; // UTF-16 code units: an emoji takes two
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
