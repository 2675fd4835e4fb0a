import type { paths } from '../api/schema';
import type { MessageKey } from '../i18n/languages';

/** A reply as GET /v1/sms-inbound lists it. */
export type Reply = paths['/v1/sms-inbound']['get']['responses'][200]['content']['application/json']['items'][number];

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** What a reply did, in words: tagged (with its tag), opted out, or nothing. */
export function replyAction(t: T, r: Reply): string {
  if (r.action.type === 'tag') return t('smsReplies.action.tag', { tag: r.action.tag ?? '' });
  return t(r.action.type === 'optOut' ? 'smsReplies.action.optOut' : 'smsReplies.action.none');
}
