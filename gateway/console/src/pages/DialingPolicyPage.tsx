import { useI18n } from '../i18n/i18n';
import { CalendarEditor } from '../policy/CalendarEditor';
import { ContactPolicyForm } from '../policy/ContactPolicyForm';
import '../styles/admin.css';

/**
 * Dialing Policy (admin): the tenant's rules every task follows — the blackout calendar, and the
 * contact policy (calls and SMS per number per day across tasks); other roles read both.
 */
export function DialingPolicyPage() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('nav.dialingPolicy')}</h1>
      <section className="policy-section" aria-labelledby="policy-calendar">
        <h2 id="policy-calendar">{t('calendar.title')}</h2>
        <CalendarEditor />
      </section>
      <section className="policy-section" aria-labelledby="policy-contact">
        <h2 id="policy-contact">{t('contactPolicy.title')}</h2>
        <ContactPolicyForm />
      </section>
    </>
  );
}
