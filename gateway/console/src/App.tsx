import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { whenSessionLost } from './api/client';
import { useI18n } from './i18n/i18n';
import { Shell } from './layout/Shell';
import { LoginPage } from './pages/LoginPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { DialingPolicyPage } from './pages/DialingPolicyPage';
import { DncPage } from './pages/DncPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { RecordingsPage } from './pages/RecordingsPage';
import { RostersPage } from './pages/RostersPage';
import { SmsAccountPage } from './pages/SmsAccountPage';
import { SmsMessagesPage } from './pages/SmsMessagesPage';
import { SmsRepliesPage } from './pages/SmsRepliesPage';
import { TaskDetailPage } from './pages/TaskDetailPage';
import { TasksPage } from './pages/TasksPage';
import { TemplatesPage } from './pages/TemplatesPage';
import { UsersPage } from './pages/UsersPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { sessionLost, useMe } from './session/session';

/** Log in first (GET /v1/me says whether a session goes on); then the menu's pages. */
export function App() {
  const { t } = useI18n();
  const queries = useQueryClient();
  const me = useMe();
  useEffect(() => whenSessionLost(() => sessionLost(queries)), [queries]);

  if (me.isPending) return <p className="loading">…</p>;
  if (me.isError)
    return (
      <main className="login">
        <p role="alert" className="error">
          {t('error.network')}
        </p>
      </main>
    );
  if (!me.data) return <LoginPage />;
  return (
    <Shell me={me.data}>
      <Routes>
        <Route path="/" element={<Navigate to="/scheduler" replace />} />
        <Route path="/scheduler" element={<TasksPage />} />
        <Route path="/scheduler/:taskId" element={<TaskDetailPage />} />
        <Route path="/sms-templates" element={<TemplatesPage />} />
        <Route path="/task-roster" element={<RostersPage />} />
        <Route path="/recording-files" element={<RecordingsPage />} />
        <Route path="/do-not-call" element={<DncPage />} />
        <Route path="/dialing-policy" element={<DialingPolicyPage />} />
        <Route path="/webhooks" element={<WebhooksPage />} />
        <Route path="/sms-account" element={<SmsAccountPage />} />
        <Route path="/sms-messages" element={<SmsMessagesPage />} />
        <Route path="/sms-replies" element={<SmsRepliesPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/api-keys" element={<ApiKeysPage />} />
        <Route path="/audit-log" element={<AuditLogPage />} />
        <Route path="*" element={<PlaceholderPage title="page.notFound" />} />
      </Routes>
    </Shell>
  );
}
