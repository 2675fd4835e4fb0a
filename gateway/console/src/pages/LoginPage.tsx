import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { LanguagePicker } from '../layout/LanguagePicker';
import { useLogin } from '../session/session';

/** "Log In": fields "Email" and "Password", button "Log In" (the product manual's words), and the language. */
export function LoginPage() {
  const { t } = useI18n();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email, password });
  };

  let failure: string | undefined;
  if (login.error instanceof ApiError) {
    const e = login.error;
    if (e.problem.code === 'INVALID_CREDENTIALS' || e.status === 401) failure = t('login.failed.credentials');
    else if (e.problem.code === 'LOGIN_RATE_LIMITED' || e.status === 429) failure = t('login.failed.rateLimited', { seconds: e.retryAfter ?? 60 });
    else if (e.status === 0) failure = t('error.network');
    else failure = t('login.failed.other', { detail: e.message });
  }

  return (
    <main className="login">
      <div className="login-card">
        <p className="brand">{t('app.name')}</p>
        <h1>{t('login.title')}</h1>
        <LanguagePicker />
        <Form onSubmit={submit} className="form">
          <TextField type="email" name="email" isRequired autoComplete="username" value={email} onChange={setEmail} className="field">
            <Label>{t('login.email')}</Label>
            <Input />
          </TextField>
          <TextField type="password" name="password" isRequired autoComplete="current-password" value={password} onChange={setPassword} className="field">
            <Label>{t('login.password')}</Label>
            <Input />
          </TextField>
          {failure && (
            <p role="alert" className="error">
              {failure}
            </p>
          )}
          <Button type="submit" className="button primary" isDisabled={login.isPending}>
            {login.isPending ? t('login.busy') : t('login.submit')}
          </Button>
        </Form>
      </div>
    </main>
  );
}
