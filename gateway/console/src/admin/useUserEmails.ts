import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, unwrap } from '../api/client';

/**
 * The tenant's users' emails by id, for showing who made a key or did a thing: the key list's
 * `createdBy` and the audit log's `actorId` are ids. One page of 200 (the API's largest); a
 * tenant with more users sees the ids of the rest. The same map until the list changes (a table's
 * `dependencies` re-render their rows when it does).
 */
export function useUserEmails(): Map<string, string> {
  const users = useQuery({
    queryKey: ['users', 'emails'],
    queryFn: () => unwrap(api.GET('/v1/users', { params: { query: { page: 1, pageSize: 200 } } })),
    staleTime: 30_000,
  });
  return useMemo(() => new Map((users.data?.items ?? []).map((u) => [u.id, u.email])), [users.data]);
}
