/**
 * What the sms service tells the dialer about a number, shown on its final attempt (the calls list,
 * the report): its follow-up SMS's status and the tags its replies earned. Pure rules.
 */

/** A follow-up's status as sms.sent|failed or sms.status said it. */
export interface SmsStateItem {
  taskId: string;
  phone: string;
  kind: string;
  status: string;
}

/** A tag a reply rule gave a number (number.tagged, source `sms-reply`). */
export interface TagItem {
  taskId: string;
  phone: string;
  tag: string;
}

/**
 * How far along a message's states a status is: `queued` < `sent` < a final one (`delivered`,
 * `undelivered`, `failed`, `skipped`). Events may arrive in any order; a status replaces the shown
 * one only when it is further along, so a final delivery state never goes back to `sent`, and the
 * first final state stays.
 */
export function smsStatusRank(status: string): number {
  switch (status) {
    case 'queued':
      return 0;
    case 'sent':
      return 1;
    default:
      return 2;
  }
}

/** The SQL of smsStatusRank over a column or expression. */
export const smsStatusRankSql = (expr: string) => `(CASE ${expr} WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 ELSE 2 END)`;

const key = (taskId: string, phone: string) => `${taskId} ${phone}`;

/** One state per (task, phone) of a batch: the furthest along, the first of equals. */
export function furthestStates(items: readonly SmsStateItem[]): SmsStateItem[] {
  const out = new Map<string, SmsStateItem>();
  for (const i of items) {
    const k = key(i.taskId, i.phone);
    const had = out.get(k);
    if (!had || smsStatusRank(i.status) > smsStatusRank(had.status)) out.set(k, i);
  }
  return [...out.values()];
}

/** The tags of a batch per (task, phone), each once, in the order they came. */
export function tagsByNumber(items: readonly TagItem[]): { taskId: string; phone: string; tags: string[] }[] {
  const out = new Map<string, { taskId: string; phone: string; tags: string[] }>();
  for (const i of items) {
    const k = key(i.taskId, i.phone);
    const had = out.get(k) ?? { taskId: i.taskId, phone: i.phone, tags: [] };
    if (!had.tags.includes(i.tag)) had.tags.push(i.tag);
    out.set(k, had);
  }
  return [...out.values()];
}
