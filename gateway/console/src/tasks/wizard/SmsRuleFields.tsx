import { useQuery } from '@tanstack/react-query';
import { Checkbox } from 'react-aria-components';
import { api, unwrap } from '../../api/client';
import { problemMessage } from '../../api/problem';
import { useI18n } from '../../i18n/i18n';
import { ChoiceField } from './ChoiceField';
import { useApprovedTemplates } from './approved-templates';
import type { Draft, SmsRule } from './draft';

/**
 * One SMS rule ("Send SMS on Call Disconnect" / "… on Unanswered Call"): "Send SMS", then an approved
 * "SMS Template" and the text it would send to the roster's first entry (the API's preview).
 */
export function SmsRuleFields({ legend, rule, onChange, isDisabled, draft, error }: { legend: string; rule: SmsRule; onChange(r: SmsRule): void; isDisabled: boolean; draft: Draft; error?: string }) {
  const { t } = useI18n();
  const { templates, items } = useApprovedTemplates(!isDisabled);
  return (
    <fieldset className="task-sms-rule">
      <legend>{legend}</legend>
      <Checkbox className="checkbox" isSelected={rule.enabled} isDisabled={isDisabled} onChange={(enabled) => onChange({ ...rule, enabled })}>
        <span className="checkbox-box" aria-hidden="true" />
        {t('tasks.sms.enable')}
      </Checkbox>
      {rule.enabled && !isDisabled && (
        <>
          <ChoiceField
            label={t('tasks.field.template')}
            placeholder={templates.isPending ? t('common.loading') : items.length === 0 ? t('tasks.sms.noTemplates') : t('tasks.sms.choose')}
            choices={items.map((tpl) => ({ id: tpl.id, label: tpl.name }))}
            selected={rule.templateId}
            onSelect={(templateId) => onChange({ ...rule, templateId })}
            error={error}
            isDisabled={templates.isPending}
          />
          {templates.isError && (
            <p role="alert" className="error">
              {problemMessage(t, templates.error)}
            </p>
          )}
          {rule.templateId && draft.rosterId && <Preview templateId={rule.templateId} rosterId={draft.rosterId} taskName={draft.name} />}
        </>
      )}
    </fieldset>
  );
}

/** The template's text for the roster's first entry (its name, phone and columns, and the task's name), as the API renders it. */
function Preview({ templateId, rosterId, taskName }: { templateId: string; rosterId: string; taskName: string }) {
  const { t } = useI18n();
  const entry = useQuery({
    queryKey: ['roster-first-entry', rosterId],
    queryFn: async () => (await unwrap(api.GET('/v1/rosters/{id}/entries', { params: { path: { id: rosterId }, query: { limit: 1 } } }))).items[0] ?? null,
  });
  const e = entry.data;
  const variables = e ? { ...e.variables, name: e.name ?? '', phone: e.phone, taskName: taskName.trim() } : undefined;
  const preview = useQuery({
    queryKey: ['sms-preview', templateId, variables],
    queryFn: () => unwrap(api.POST('/v1/sms-templates/{id}/preview', { params: { path: { id: templateId } }, body: { variables } })),
    enabled: !!variables,
  });
  const failed = entry.error ?? preview.error;
  if (failed)
    return (
      <p role="alert" className="error">
        {problemMessage(t, failed)}
      </p>
    );
  if (!e || !preview.data) return <p className="field-description">{t('common.loading')}</p>;
  return (
    <figure className="sms-preview">
      <figcaption>{t('tasks.sms.preview', { phone: e.phone })}</figcaption>
      <blockquote className="sms-preview-text">{preview.data.text}</blockquote>
      <p className="field-description">
        {t('tasks.sms.previewSegments', { encoding: preview.data.encoding, segments: preview.data.segments })}
        {preview.data.missingVariables.length > 0 && ` · ${t('tasks.sms.previewMissing', { names: preview.data.missingVariables.join(', ') })}`}
      </p>
    </figure>
  );
}
