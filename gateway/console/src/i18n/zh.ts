import * as common from './messages/common';
import * as tasks from './messages/tasks';
import * as taskDetail from './messages/task-detail';
import * as library from './messages/library';
import * as admin from './messages/admin';
import * as policy from './messages/policy';
import type { Dictionary } from './en';

/** 中文 (简体). */
export const zh: Dictionary = {
  'app.name': 'autocall',
  'language.label': '语言',
  'login.title': '登录',
  'login.email': '邮箱',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.failed.credentials': '邮箱或密码错误。',
  'login.failed.rateLimited': '登录失败次数过多，请在 {seconds} 秒后重试。',
  'login.failed.other': '登录失败：{detail}',
  'header.signedInAs': '当前用户：{email}',
  'header.logout': '退出登录',
  'nav.label': '主菜单',
  'nav.voice': '语音',
  'nav.autoCall': '自动外呼',
  'nav.scheduler': '任务调度',
  'nav.smsTemplates': '短信模板',
  'nav.taskRoster': '任务名单',
  'nav.recordingFiles': '录音文件',
  'nav.smsAccount': '短信账户',
  'nav.smsMessages': '短信记录',
  'nav.smsReplies': '短信回复',
  'nav.users': '用户',
  'nav.apiKeys': 'API 密钥',
  'nav.auditLog': '审计日志',
  'nav.dnc': '免打扰名单',
  'nav.dialingPolicy': '拨号策略',
  'nav.webhooks': 'Webhook',
  'nav.administration': '管理',
  'page.notYet': '此页面尚未完成。',
  'page.notFound': '没有这个页面。',
  'paging.label': '分页',
  'paging.previous': '上一页',
  'paging.next': '下一页',
  'paging.position': '第 {page} 页，共 {pages} 页（共 {total} 条）',
  'time.none': '—',
  'error.forbidden': '您的角色无权执行此操作。',
  'error.network': '无法连接服务器。',
  ...common.zh,
  ...tasks.zh,
  ...taskDetail.zh,
  ...library.zh,
  ...admin.zh,
  ...policy.zh,
};
