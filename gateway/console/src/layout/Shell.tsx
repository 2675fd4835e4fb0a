import type { ReactNode } from 'react';
import { Button } from 'react-aria-components';
import { NavLink } from 'react-router';
import type { Me, Role } from '../api/session-types';
import { can } from '../session/roles';
import { useI18n } from '../i18n/i18n';
import { useLogout } from '../session/session';
import type { MessageKey } from '../i18n/languages';
import { LanguagePicker } from './LanguagePicker';

/** Voice › Auto Call › … (the product manual's menu) */
const autoCallPages: [string, MessageKey][] = [
  ['/scheduler', 'nav.scheduler'],
  ['/sms-templates', 'nav.smsTemplates'],
  ['/task-roster', 'nav.taskRoster'],
  ['/recording-files', 'nav.recordingFiles'],
  ['/do-not-call', 'nav.dnc'],
];

/** The rest of the menu, each for the roles that may see it (the API's role table decides; this only hides what would be refused). */
const otherPages: [string, MessageKey, Role][] = [
  ['/sms-account', 'nav.smsAccount', 'admin'],
  ['/sms-messages', 'nav.smsMessages', 'viewer'],
  ['/sms-replies', 'nav.smsReplies', 'viewer'],
  ['/dialing-policy', 'nav.dialingPolicy', 'admin'],
  ['/webhooks', 'nav.webhooks', 'admin'],
  ['/users', 'nav.users', 'admin'],
  ['/api-keys', 'nav.apiKeys', 'admin'],
  ['/audit-log', 'nav.auditLog', 'admin'],
];

/** The pages' frame: header (who, language, "Log Out") and the navigation menu Voice › Auto Call › … */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useI18n();
  const logout = useLogout();
  const who = me.user?.email ?? me.apiKey?.name ?? '';
  return (
    <div className="shell">
      <header className="header">
        <p className="brand">{t('app.name')}</p>
        <div className="header-tools">
          <span className="who">{t('header.signedInAs', { email: who })}</span>
          <LanguagePicker />
          <Button className="button" onPress={() => logout.mutate()} isDisabled={logout.isPending}>
            {t('header.logout')}
          </Button>
        </div>
      </header>
      <nav className="nav" aria-label={t('nav.label')}>
        <ul>
          <li>
            <span className="nav-group" id="nav-voice">
              {t('nav.voice')}
            </span>
            <ul aria-labelledby="nav-voice">
              <li>
                <span className="nav-group" id="nav-auto-call">
                  {t('nav.autoCall')}
                </span>
                <Links labelledBy="nav-auto-call" pages={autoCallPages} />
              </li>
            </ul>
          </li>
          <li>
            <span className="nav-group" id="nav-administration">
              {t('nav.administration')}
            </span>
            <Links labelledBy="nav-administration" pages={otherPages.filter(([, , least]) => can(me.role, least))} />
          </li>
        </ul>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}

/** One group's links of the menu. */
function Links({ labelledBy, pages }: { labelledBy: string; pages: readonly (readonly [string, MessageKey, ...unknown[]])[] }) {
  const { t } = useI18n();
  return (
    <ul aria-labelledby={labelledBy}>
      {pages.map(([to, key]) => (
        <li key={to}>
          <NavLink to={to}>{t(key)}</NavLink>
        </li>
      ))}
    </ul>
  );
}
