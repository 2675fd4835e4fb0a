import { SelectField } from '../components/SelectField';
import { useI18n } from '../i18n/i18n';
import { isLanguage, languages } from '../i18n/languages';

const options = languages.map((l) => ({ id: l.code, label: l.label, lang: l.code }));

/** The language choice of the login page and the header (remembered by I18nProvider). */
export function LanguagePicker() {
  const { language, setLanguage, t } = useI18n();
  return <SelectField className="language-picker" label={t('language.label')} options={options} selected={language} onSelect={(id) => isLanguage(id) && setLanguage(id)} />;
}
