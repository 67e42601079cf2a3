import { keepPreviousData, useQuery, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Page } from '../api/types';

const DEFAULT_PAGE_SIZE = 20;

export interface PageRequest {
  page: number;
  pageSize: number;
}

/**
 * A server-paginated list for a ProTable: page state, the query (keeping the previous page while
 * the next loads), stepping back when the current page empties, and the table props that follow.
 */
export function usePagedList<P extends Page<unknown>, F extends object>(options: {
  filters: F;
  queryKey: (query: PageRequest & F) => QueryKey;
  queryFn: (query: PageRequest & F) => Promise<P>;
  maxPageSize: number;
  refetchInterval?: UseQueryOptions<P>['refetchInterval'];
}) {
  const [pageInfo, setPageInfo] = useState({ current: 1, pageSize: DEFAULT_PAGE_SIZE });
  const query = { page: pageInfo.current, pageSize: pageInfo.pageSize, ...options.filters };
  const list = useQuery({
    queryKey: options.queryKey(query),
    queryFn: () => options.queryFn(query),
    placeholderData: keepPreviousData,
    refetchInterval: options.refetchInterval,
  });
  const data = list.data;

  // The page emptied (its last rows left under a filter, or were removed): step back.
  useEffect(() => {
    if (data && data.items.length === 0 && data.total > 0 && pageInfo.current > 1) {
      setPageInfo((info) => ({ ...info, current: Math.max(1, Math.ceil(data.total / info.pageSize)) }));
    }
  }, [data, pageInfo.current]);

  return {
    list,
    data,
    /** Back to page 1 (after a filter changed). */
    resetPage: () => setPageInfo((info) => ({ ...info, current: 1 })),
    tableProps: {
      dataSource: (data?.items ?? []) as P['items'],
      loading: list.isPending || list.isPlaceholderData,
      pagination: {
        current: pageInfo.current,
        pageSize: pageInfo.pageSize,
        total: data?.total ?? 0,
        showSizeChanger: true,
        pageSizeOptions: [10, 20, 50, options.maxPageSize],
        onChange: (current: number, pageSize: number) =>
          setPageInfo({ current: pageSize === pageInfo.pageSize ? current : 1, pageSize }),
      },
      options: { reload: () => void list.refetch() },
    },
  };
}
