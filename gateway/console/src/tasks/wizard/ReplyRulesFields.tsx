import { Button } from 'react-aria-components';
import { TextField } from '../../components/TextField';
import { useI18n } from '../../i18n/i18n';
import { ChoiceField } from './ChoiceField';
import { useApprovedTemplates } from './approved-templates';
import type { ReplyRuleDraft } from './draft';

const NO_REPLY = 'none';
/** API.md: up to 10 rules per task */
const MAX_RULES = 10;

/** "When a number replies": the task's reply rules (keywords → a tag, and optionally an approved template sent back once). */
export function ReplyRulesFields({ rules, onChange, isDisabled }: { rules: ReplyRuleDraft[]; onChange(r: ReplyRuleDraft[]): void; isDisabled: boolean }) {
  const { t } = useI18n();
  const { templates, items } = useApprovedTemplates(!isDisabled);
  const set = (i: number, patch: Partial<ReplyRuleDraft>) => onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="task-sms-rule">
      <legend>{t('tasks.sms.replyRules')}</legend>
      <p className="field-description">{t('tasks.sms.replyRules.help')}</p>
      {rules.map((r, i) => (
        <div key={i} className="task-reply-rule" role="group" aria-label={`${t('tasks.sms.replyRules')} ${i + 1}`}>
          <TextField label={t('tasks.sms.replyRule.keywords')} value={r.keywords} onChange={(keywords) => set(i, { keywords })} isRequired />
          <TextField label={t('tasks.sms.replyRule.tag')} value={r.tag} onChange={(tag) => set(i, { tag })} isRequired />
          <ChoiceField
            label={t('tasks.sms.replyRule.template')}
            placeholder={t('tasks.sms.replyRule.noReply')}
            choices={[{ id: NO_REPLY, label: t('tasks.sms.replyRule.noReply') }, ...items.map((tpl) => ({ id: tpl.id, label: tpl.name }))]}
            selected={r.replyTemplateId ?? NO_REPLY}
            onSelect={(id) => set(i, { replyTemplateId: id === NO_REPLY ? undefined : id })}
            isDisabled={templates.isPending}
          />
          <Button className="button" onPress={() => onChange(rules.filter((_, j) => j !== i))}>
            {t('tasks.sms.replyRule.remove', { n: i + 1 })}
          </Button>
        </div>
      ))}
      {rules.length < MAX_RULES && (
        <Button className="button" isDisabled={isDisabled} onPress={() => onChange([...rules, { keywords: '', tag: '' }])}>
          {t('tasks.sms.replyRule.add')}
        </Button>
      )}
    </fieldset>
  );
}
