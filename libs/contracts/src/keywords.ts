/**
 * Reply keywords as compared (API.md "Delivery receipts, replies and opt-out"): shared by the task
 * service (which refuses clashing rules) and the sms service (which matches replies). Pure.
 */
const EDGE_PUNCTUATION = /^[\p{P}\p{S}\p{Z}\s]+|[\p{P}\p{S}\p{Z}\s]+$/gu;

/**
 * NFKC (full-width `１` is `1`, `ＳＴＯＰ` is `STOP`), case folded in every script (upper then
 * lower, so `ß`/`SS` and `Σ`/`ς` meet), punctuation around it dropped.
 */
export function foldKeyword(word: string): string {
  return word.normalize('NFKC').replace(EDGE_PUNCTUATION, '').toUpperCase().toLowerCase().normalize('NFKC');
}

/** A sender that can receive replies: a number (E.164 or a short code of digits), not an alphanumeric id. */
export const isReplyableSender = (senderId: string | null | undefined): boolean => !!senderId && /^\+?[0-9]{3,15}$/.test(senderId);

/** Problems of a set of reply rules' keywords: one used twice, or one that is an opt-out keyword (each a message for a 400). */
export function replyKeywordProblems(rules: readonly { keywords: readonly string[] }[], optOutKeywords: readonly string[]): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  const optOut = new Set(optOutKeywords.map(foldKeyword));
  rules.forEach((r, i) => {
    r.keywords.forEach((k, j) => {
      const field = `sms.replyRules.${i}.keywords.${j}`;
      const f = foldKeyword(k);
      if (f === '') problems.push({ field, message: 'has no letter or digit' });
      else if (optOut.has(f)) problems.push({ field, message: `"${k}" is an opt-out keyword of the SMS account` });
      else if (seen.has(f)) problems.push({ field, message: `"${k}" is used twice` });
      seen.add(f);
    });
  });
  return problems;
}
