import type { MessageKey } from '../i18n/languages';
import { useI18n } from '../i18n/i18n';

/** A page of the menu that later work fills in (issue 14): its title, and that it is not built yet. */
export function PlaceholderPage({ title }: { title: MessageKey }) {
  const { t } = useI18n();
  return (
    <>
      <h1>{t(title)}</h1>
      <p>{t('page.notYet')}</p>
    </>
  );
}
