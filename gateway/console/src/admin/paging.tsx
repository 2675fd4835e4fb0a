import { Button } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';

/** Paging of a management list (`{items, page, pageSize, total}`), as the Scheduler pages its tasks. */
export function PagePager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage(page: number): void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="paging" aria-label={t('paging.label')}>
      <Button className="button" isDisabled={page <= 1} onPress={() => onPage(page - 1)}>
        {t('paging.previous')}
      </Button>
      <span aria-live="polite">{t('paging.position', { page, pages, total })}</span>
      <Button className="button" isDisabled={page >= pages} onPress={() => onPage(page + 1)}>
        {t('paging.next')}
      </Button>
    </nav>
  );
}
