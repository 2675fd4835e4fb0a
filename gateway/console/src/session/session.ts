import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap } from '../api/client';
import type { Me } from '../api/session-types';

const meKey = ['me'] as const;

/** Who is logged in (`GET /v1/me`), or null when nobody is (401). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async (): Promise<Me | null> => {
      try {
        const me = await unwrap(api.GET('/v1/me'));
        setCsrfToken(me.csrfToken);
        return me;
      } catch (err) {
        // 404: a gateway without sessions yet (before issue 13) has no /v1/me; the login page then says what logging in answers
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) return null;
        throw err;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useLogin() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.POST('/v1/auth/login', { body })),
    onSuccess: (answer) => {
      setCsrfToken(answer.csrfToken);
      queries.setQueryData<Me>(meKey, { user: answer.user, tenant: answer.tenant, role: answer.user.role, csrfToken: answer.csrfToken });
    },
  });
}

export function useLogout() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/logout')),
    onSettled: () => {
      setCsrfToken(undefined);
      queries.clear();
      queries.setQueryData(meKey, null);
    },
  });
}

/** The session ended under the user (expired, logged out elsewhere): back to the login page. */
export function sessionLost(queries: ReturnType<typeof useQueryClient>) {
  setCsrfToken(undefined);
  queries.setQueryData(meKey, null);
}
