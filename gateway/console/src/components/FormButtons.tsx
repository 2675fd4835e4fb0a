import { Button } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';

/** A form dialog's "Cancel" (closes) and "Confirm" (submits the form; "Saving…" while `busy`). */
export function FormButtons({ close, busy, busyLabel }: { close(): void; busy: boolean; busyLabel?: string }) {
  const { t } = useI18n();
  return (
    <div className="dialog-buttons">
      <Button className="button" onPress={close}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" className="button primary" isDisabled={busy}>
        {busy ? (busyLabel ?? t('common.saving')) : t('common.confirm')}
      </Button>
    </div>
  );
}
