/** The SSRF guard of provider URLs: the platform's one (`@autocall/net-guard`), answered in this service's error codes. */
import { checkUrl } from '@autocall/net-guard';
import { smsErrors } from '../domain/errors';

/** Refuses provider URLs that reach inside the deployment (SSRF); credentials in the URL are judged by the caller. */
export async function assertPublicUrl(raw: string): Promise<void> {
  const verdict = await checkUrl(raw, { allowCredentials: true });
  if (verdict.ok) return;
  switch (verdict.reason) {
    case 'private':
      throw smsErrors.SMS_PROVIDER_URL_FORBIDDEN();
    case 'invalid':
      throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url is not a URL.');
    case 'scheme':
      throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url must be http(s).');
    case 'unresolvable':
    case 'credentials':
      throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID(`settings.url: ${verdict.message}`);
  }
}
