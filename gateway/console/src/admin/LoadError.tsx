import { useI18n } from '../i18n/i18n';
import { adminProblem } from './problems';

/** A list that could not be loaded, in words: a viewer sent to an admin page reads the API's 403 as "Your role may not do this." */
export function LoadError({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {t('admin.loadFailed', { detail: adminProblem(t, error) })}
    </p>
  );
}
