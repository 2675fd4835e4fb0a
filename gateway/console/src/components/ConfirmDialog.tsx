import { useState } from 'react';
import { Button } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';
import { problemMessage } from '../api/problem';
import { FormDialog } from './FormDialog';

/**
 * "… ask to Confirm" (the product manual): a dialog with the question, "Confirm" and "Cancel".
 * `onConfirm` runs the request; an API error stays in the dialog, in words; success closes it.
 */
export function ConfirmDialog({ title, question, isOpen, onOpenChange, onConfirm }: { title: string; question: string; isOpen: boolean; onOpenChange(open: boolean): void; onConfirm(): Promise<unknown> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const change = (open: boolean) => {
    if (!open) setError(undefined);
    onOpenChange(open);
  };
  return (
    <FormDialog title={title} isOpen={isOpen} onOpenChange={change}>
      {(close) => (
        <>
          <p>{question}</p>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="dialog-buttons">
            <Button className="button" onPress={close}>
              {t('common.cancel')}
            </Button>
            <Button
              className="button primary"
              isDisabled={busy}
              onPress={async () => {
                setBusy(true);
                setError(undefined);
                try {
                  await onConfirm();
                  close();
                } catch (err) {
                  setError(problemMessage(t, err));
                } finally {
                  setBusy(false);
                }
              }}
            >
              {busy ? t('common.saving') : t('common.confirm')}
            </Button>
          </div>
        </>
      )}
    </FormDialog>
  );
}
