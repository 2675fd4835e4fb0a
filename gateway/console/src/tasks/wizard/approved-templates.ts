import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** The tenant's approved SMS templates (the only ones a task may use), asked once for the wizard's SMS fields. */
export function useApprovedTemplates(enabled: boolean) {
  const templates = useQuery({
    queryKey: ['sms-templates', 'approved'],
    queryFn: () => unwrap(api.GET('/v1/sms-templates', { params: { query: { page: 1, status: 'approved', pageSize: 200 } } })),
    enabled,
  });
  return { templates, items: (templates.data?.items ?? []).filter((tpl) => tpl.status === 'approved') };
}
