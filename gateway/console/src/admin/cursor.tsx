import { useState } from 'react';
import { Button } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';

/**
 * Paging of a cursor list (`{items, nextCursor}`): the cursors of the pages seen so far, so
 * "Previous" goes back without offsets the API does not have. A new `filters` value starts over.
 */
export function useCursorPages(filters: string) {
  const [state, setState] = useState<{ filters: string; cursors: (string | undefined)[] }>({ filters, cursors: [undefined] });
  const cursors = state.filters === filters ? state.cursors : [undefined];
  if (state.filters !== filters) setState({ filters, cursors });
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor: string) => setState({ filters, cursors: [...cursors, cursor] }),
    previous: () => setState({ filters, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}

export function CursorPager({ pages, nextCursor }: { pages: ReturnType<typeof useCursorPages>; nextCursor: string | null | undefined }) {
  const { t } = useI18n();
  return (
    <nav className="paging" aria-label={t('paging.label')}>
      <Button className="button" isDisabled={pages.page <= 1} onPress={pages.previous}>
        {t('paging.previous')}
      </Button>
      <span aria-live="polite">{t('admin.paging.position', { page: pages.page })}</span>
      <Button className="button" isDisabled={!nextCursor} onPress={() => nextCursor && pages.next(nextCursor)}>
        {t('paging.next')}
      </Button>
    </nav>
  );
}
