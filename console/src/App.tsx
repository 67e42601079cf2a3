import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import antdEnUS from 'antd/locale/en_US';
import antdZhCN from 'antd/locale/zh_CN';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { isApiError } from './api/client';
import { BasicLayout } from './layouts/BasicLayout';
import ForgotPasswordPage from './pages/login/ForgotPasswordPage';
import LoginPage from './pages/login/LoginPage';
import ResetPasswordPage from './pages/login/ResetPasswordPage';
import NotFoundPage from './pages/NotFoundPage';
import SetupPage from './pages/setup/SetupPage';
import { appRoutes, pageRoutes } from './routes';
import { RequireAuth, RequirePermission, SetupGate, UnauthenticatedRedirect } from './session/guards';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again; network and 5xx errors get one retry.
      retry: (failureCount, error) =>
        failureCount < 1 && !(isApiError(error) && error.statusCode >= 400 && error.statusCode < 500),
      refetchOnWindowFocus: false,
    },
  },
});

/**
 * Operators who ask their system for reduced motion get no antd animations (modals, drawers,
 * popconfirms appear at once). The browser e2e runs Chromium with that preference, so a click never
 * lands on a dialog that is still zooming in.
 */
const reducedMotion = typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;
const theme = reducedMotion ? { token: { motion: false } } : undefined;

function LocalizedApp() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en-US' ? antdEnUS : antdZhCN} theme={theme}>
      <AntApp>
        <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <UnauthenticatedRedirect />
          <SetupGate>
            <Routes>
              <Route path="/setup" element={<SetupPage />} />
              <Route path="/login" element={<LoginPage />} />
              <Route path="/forgot-password" element={<ForgotPasswordPage />} />
              <Route path="/reset-password" element={<ResetPasswordPage />} />
              <Route
                element={
                  <RequireAuth>
                    <BasicLayout />
                  </RequireAuth>
                }
              >
                {pageRoutes(appRoutes).map((route) => (
                  <Route
                    key={route.path}
                    path={route.path}
                    element={
                      <RequirePermission permission={route.permission} pluginId={route.pluginId}>
                        {route.element}
                      </RequirePermission>
                    }
                  />
                ))}
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </SetupGate>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <LocalizedApp />
    </QueryClientProvider>
  );
}
