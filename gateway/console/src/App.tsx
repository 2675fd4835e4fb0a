import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { whenSessionLost } from './api/client';
import { useI18n } from './i18n/i18n';
import { Shell } from './layout/Shell';
import { LoginPage } from './pages/LoginPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { TasksPage } from './pages/TasksPage';
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
        <Route path="/sms-templates" element={<PlaceholderPage title="nav.smsTemplates" />} />
        <Route path="/task-roster" element={<PlaceholderPage title="nav.taskRoster" />} />
        <Route path="/recording-files" element={<PlaceholderPage title="nav.recordingFiles" />} />
        <Route path="*" element={<PlaceholderPage title="page.notFound" />} />
      </Routes>
    </Shell>
  );
}
