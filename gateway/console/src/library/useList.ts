import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';

export const PAGE_SIZE = 20;

/** The page number of a list page, kept in the URL (`?page=`), so a reload or a shared link stays on it. */
export function usePageParam(): [number, (page: number) => void] {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  return [page, (next) => setParams((p) => (p.set('page', String(next)), p))];
}

/**
 * One page of a management list, refetched every `every(items)` ms: others may change it meanwhile,
 * and a page can ask sooner while something on it is still moving (a roster being validated).
 */
export function usePagedList<T>(key: string, page: number, load: (page: number) => Promise<{ items: T[]; total: number }>, every: (items: T[] | undefined) => number = () => 10_000) {
  return useQuery({ queryKey: [key, { page }], queryFn: () => load(page), placeholderData: keepPreviousData, refetchInterval: (q) => every(q.state.data?.items) });
}
