import * as common from './messages/common';
import * as tasks from './messages/tasks';
import * as taskDetail from './messages/task-detail';
import * as library from './messages/library';
import * as admin from './messages/admin';
import * as policy from './messages/policy';
/**
 * English: the source dictionary. The words are the product manual's (../shared/PRODUCT-MANUAL.md);
 * they are the controls' accessible names in English. Every visible string of the console is here,
 * and in zh.ts and id.ts under the same keys (test/i18n.test.ts). `{name}` is a placeholder.
 */
export const en = {
  'app.name': 'autocall',
  'language.label': 'Language',
  'login.title': 'Log In',
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Log In',
  'login.busy': 'Logging in…',
  'login.failed.credentials': 'The email or the password is wrong.',
  'login.failed.rateLimited': 'Too many failed logins. Try again in {seconds} seconds.',
  'login.failed.other': 'Logging in failed: {detail}',
  'header.signedInAs': 'Signed in as {email}',
  'header.logout': 'Log Out',
  'nav.label': 'Main menu',
  'nav.voice': 'Voice',
  'nav.autoCall': 'Auto Call',
  'nav.scheduler': 'Scheduler',
  'nav.smsTemplates': 'SMS Templates',
  'nav.taskRoster': 'Task Roster',
  'nav.recordingFiles': 'Recording Files',
  'nav.smsAccount': 'SMS Account',
  'nav.smsMessages': 'SMS Messages',
  'nav.smsReplies': 'SMS Replies',
  'nav.users': 'Users',
  'nav.apiKeys': 'API Keys',
  'nav.auditLog': 'Audit Log',
  'nav.dnc': 'Do-Not-Call List',
  'nav.dialingPolicy': 'Dialing Policy',
  'nav.webhooks': 'Webhooks',
  'nav.administration': 'Administration',
  'page.notYet': 'This page is not built yet.',
  'page.notFound': 'There is no such page.',
  'paging.label': 'Pages',
  'paging.previous': 'Previous',
  'paging.next': 'Next',
  'paging.position': 'Page {page} of {pages} ({total} in all)',
  'time.none': '—',
  'error.forbidden': 'Your role may not do this.',
  'error.network': 'The server cannot be reached.',
  ...common.en,
  ...tasks.en,
  ...taskDetail.en,
  ...library.en,
  ...admin.en,
  ...policy.en,
} as const;

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;
