/** A cursor-paged list (the API's `{items, next_cursor}`) read page by page with "Show more". */
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';

export interface Paged<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
  data?: { items: T[] };
  more?: { load: () => unknown; loading: boolean };
}

export function usePaged<T>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>,
): Paged<T> {
  const q = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return {
    isPending: q.isPending,
    isError: q.isError,
    error: q.error,
    refetch: q.refetch,
    data: q.data ? { items: q.data.pages.flatMap((p) => p.items) } : undefined,
    more: q.hasNextPage ? { load: () => q.fetchNextPage(), loading: q.isFetchingNextPage } : undefined,
  };
}
