import type { ReactNode } from 'react';
import { Button } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';

/** The "Actions" column's "Edit" and "Delete" of one row (shown only to roles that may use them), after any `children` (e.g. "Numbers"). */
export function RowActions({ onEdit, onDelete, children }: { onEdit(): void; onDelete(): void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="row-actions">
      {children}
      <Button className="button" onPress={onEdit}>
        {t('common.edit')}
      </Button>
      <Button className="button danger" onPress={onDelete}>
        {t('common.delete')}
      </Button>
    </div>
  );
}
