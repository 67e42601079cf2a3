import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { setUnauthenticatedHandler } from '../api/client';
import { StatusResult } from '../components/StatusResult';
import { getSetupStatus, setupQueryKey } from '../api/setup';
import { ErrorResult } from '../components/ErrorResult';
import { FullPageSpin } from '../components/FullPageSpin';
import { forgetSession, hasPermission, pluginEnabled, useSession, useSessionQuery } from './session';

type FinishSetup = (loginState?: LoginLocationState) => void;
const FinishSetupContext = createContext<FinishSetup>(() => undefined);

/**
 * For the setup page: setup is done, go to /login with `loginState`. The gate does the
 * navigation itself, so "setup done" and "now at /login" can never be seen apart (react-router
 * runs navigations in a transition, the query cache notifies its observers a tick later).
 */
export function useFinishSetup(): FinishSetup {
  return useContext(FinishSetupContext);
}

/**
 * Asks `GET /api/v1/setup` once: while setup is needed every page goes to /setup; after it,
 * /setup goes to /login.
 */
export function SetupGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const { pathname } = useLocation();
  const { data, isPending, error, refetch } = useQuery({
    queryKey: setupQueryKey,
    queryFn: getSetupStatus,
    staleTime: Infinity,
  });
  const [finished, setFinished] = useState<{ loginState?: LoginLocationState } | null>(null);
  const finishSetup = useCallback<FinishSetup>(
    (loginState) => {
      setFinished({ loginState });
      queryClient.setQueryData(setupQueryKey, { needed: false });
    },
    [queryClient],
  );

  if (isPending) return <FullPageSpin />;
  if (error) {
    return (
      <div style={{ paddingTop: 80 }}>
        <ErrorResult error={error} onRetry={() => void refetch()} />
      </div>
    );
  }
  const needed = data.needed && finished === null;
  if (needed && pathname !== '/setup') return <Navigate to="/setup" replace />;
  if (!needed && pathname === '/setup') {
    return <Navigate to="/login" replace state={finished?.loginState} />;
  }
  return <FinishSetupContext.Provider value={finishSetup}>{children}</FinishSetupContext.Provider>;
}

export interface LoginLocationState {
  from?: string;
  email?: string;
  setupDone?: boolean;
  /** Arrived from 重置密码: the new password is set. */
  passwordReset?: boolean;
}

/** Pages shown without a session: a 401 on them does not send anybody to /login. */
export const PUBLIC_PATHS: readonly string[] = ['/login', '/setup', '/forgot-password', '/reset-password'];

/** Renders its children only with a session; otherwise goes to /login and back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { data, isPending, error, refetch } = useSessionQuery();
  const location = useLocation();
  if (isPending) return <FullPageSpin />;
  if (error) {
    return (
      <div style={{ paddingTop: 80 }}>
        <ErrorResult error={error} onRetry={() => void refetch()} />
      </div>
    );
  }
  if (!data) {
    const state: LoginLocationState = { from: location.pathname + location.search };
    return <Navigate to="/login" replace state={state} />;
  }
  return children;
}

export function RequirePermission({
  permission,
  pluginId,
  children,
}: {
  permission: string | undefined;
  /** The plugin whose page it is: refused while disabled for the tenant. */
  pluginId?: string;
  children: ReactNode;
}) {
  const session = useSession();
  const { t } = useTranslation();
  if (hasPermission(session, permission) && pluginEnabled(session, pluginId)) return children;
  return (
    <StatusResult
      status="403"
      title={t('pages.forbidden.title')}
      subTitle={t('pages.forbidden.subTitle')}
      backTo="/"
      backLabel={t('common.backHome')}
      testId="forbidden-page"
    />
  );
}

/** A 401 `unauthenticated` from any request: forget the session and go to /login. */
export function UnauthenticatedRedirect() {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const locationRef = useRef(location);
  locationRef.current = location;

  const handler = useMemo(
    () => () => {
      forgetSession(queryClient);
      const { pathname, search } = locationRef.current;
      if (PUBLIC_PATHS.includes(pathname)) return;
      const state: LoginLocationState = { from: pathname + search };
      navigate('/login', { replace: true, state });
    },
    [navigate, queryClient],
  );
  useEffect(() => {
    setUnauthenticatedHandler(handler);
    return () => setUnauthenticatedHandler(null);
  }, [handler]);
  return null;
}
