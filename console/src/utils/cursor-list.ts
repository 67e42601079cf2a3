import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';

/** A keyset page: the rows and the cursor of the next page (null on the last). */
export interface CursorPageOf<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A keyset-paginated list ("加载更多"): the pages loaded so far as one list, whether there is more,
 * and `loadMore`. A refetch (after a change) reloads every page loaded so far.
 */
export function useCursorList<P extends CursorPageOf<unknown>>(options: {
  queryKey: QueryKey;
  queryFn: (cursor: string | undefined) => Promise<P>;
  enabled?: boolean;
}) {
  const list = useInfiniteQuery({
    queryKey: options.queryKey,
    queryFn: ({ pageParam }) => options.queryFn(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: options.enabled,
  });
  const pages = list.data?.pages ?? [];
  return {
    list,
    /** The first page (e.g. for counts the server sends with every page). */
    first: pages[0],
    items: pages.flatMap((page) => page.items) as P['items'],
    hasMore: list.hasNextPage,
    loadingMore: list.isFetchingNextPage,
    loadMore: () => void list.fetchNextPage(),
  };
}
