import { type QueryClient, useQuery } from '@tanstack/react-query';
import { getSession, sessionQueryKey } from '../api/auth';
import type { Session } from '../api/types';

export function useSessionQuery() {
  return useQuery({ queryKey: sessionQueryKey, queryFn: getSession, staleTime: Infinity });
}

/** The logged-in session; only call below <RequireAuth>. */
export function useSession(): Session {
  const { data } = useSessionQuery();
  if (!data) throw new Error('useSession() used outside an authenticated route');
  return data;
}

export function hasPermission(session: Session, permission: string | undefined): boolean {
  return permission === undefined || session.permissions.includes(permission);
}

/** Whether a plugin is enabled for the tenant (the platform operator's switch, ADR 0041); core always is. */
export function pluginEnabled(session: Session, pluginId: string | undefined): boolean {
  return pluginId === undefined || !(session.disabledPlugins ?? []).includes(pluginId);
}

/** After logout or an expired session: no session, and nothing cached from the old one. */
export function forgetSession(queryClient: QueryClient): void {
  queryClient.setQueryData(sessionQueryKey, null);
  queryClient.removeQueries({
    predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] && query.queryKey[0] !== 'setup',
  });
}
