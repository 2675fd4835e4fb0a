import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Button, FieldError, Label, Text, TextArea, TextField as AriaTextField } from 'react-aria-components';
import { api, ApiError, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { libraryProblem } from './problems';
import { measureSms } from './segments';
import type { SmsTemplate } from './types';

/** The variables every template may use (the SMS service's BUILT_IN_VARIABLES); roster columns come on top. */
const VARIABLES = ['name', 'phone', 'taskName'] as const;

/** "Add" and "Edit" of SMS Templates: "Template Name", "SMS Content" with the variables and a live counter, "Confirm". */
export function TemplateDialog({ template, isOpen, onOpenChange }: { template?: SmsTemplate; isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={template ? t('templates.editTitle') : t('templates.addTitle')} isOpen={isOpen} onOpenChange={onOpenChange} wide>
      {(close) => <TemplateForm template={template} close={close} />}
    </FormDialog>
  );
}

function TemplateForm({ template, close }: { template?: SmsTemplate; close(): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [name, setName] = useState(template?.name ?? '');
  const [content, setContent] = useState(template?.content ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const area = useRef<HTMLTextAreaElement>(null);
  const size = measureSms(content);

  // A variable goes where the cursor is (or replaces the selection), and the cursor goes after it.
  const insert = (variable: string) => {
    const el = area.current;
    const token = `{{${variable}}}`;
    const from = el?.selectionStart ?? content.length;
    const to = el?.selectionEnd ?? content.length;
    setContent(content.slice(0, from) + token + content.slice(to));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(from + token.length, from + token.length);
    });
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      if (template) {
        // only what changed: a name change alone never meets TEMPLATE_IN_USE
        const body = { ...(name !== template.name ? { name } : {}), ...(content !== template.content ? { content } : {}) };
        if (Object.keys(body).length) await unwrap(api.PATCH('/v1/sms-templates/{id}', { params: { path: { id: template.id } }, body }));
      } else {
        await unwrap(api.POST('/v1/sms-templates', { body: { name, content } }));
      }
      await queries.invalidateQueries({ queryKey: ['sms-templates'] });
      close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const syntax = error instanceof ApiError && error.problem.code === 'TEMPLATE_SYNTAX_INVALID' ? error.message : undefined;
  const contentError = syntax ?? fieldError(error, 'content');
  const nameError = fieldError(error, 'name');
  const general = error && !contentError && !nameError ? libraryProblem(t, error) : undefined;

  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <TextField label={t('templates.field.name')} value={name} onChange={setName} description={t('templates.field.nameRule')} error={nameError} isRequired autoFocus />
      <AriaTextField className="field" value={content} onChange={setContent} isRequired isInvalid={!!contentError} validationBehavior="aria">
        <Label>{t('templates.field.content')}</Label>
        <TextArea ref={area} rows={6} />
        <Text slot="description" className="field-description">
          {t('templates.field.contentRule')}
        </Text>
        <FieldError className="field-error">{contentError}</FieldError>
      </AriaTextField>
      <div className="variables" role="group" aria-label={t('templates.variables')}>
        <span className="variables-label">{t('templates.variables')}</span>
        {VARIABLES.map((v) => (
          <Button key={v} className="button chip" onPress={() => insert(v)} aria-label={t('templates.insert', { variable: `{{${v}}}` })}>
            {`{{${v}}}`}
          </Button>
        ))}
      </div>
      <p className="sms-counter" aria-live="polite">
        {t('templates.counter', { encoding: size.encoding, units: size.units, perSegment: size.perSegment, segments: size.segments })}
      </p>
      {general && (
        <p role="alert" className="error">
          {general}
        </p>
      )}
      <div className="dialog-buttons">
        <Button className="button" onPress={close}>
          {t('common.cancel')}
        </Button>
        <Button type="submit" className="button primary" isDisabled={busy}>
          {busy ? t('common.saving') : t('common.confirm')}
        </Button>
      </div>
    </form>
  );
}
