import { LockOutlined, LogoutOutlined, SafetyOutlined, ShopOutlined, UserOutlined } from '@ant-design/icons';
import { type MenuDataItem, PageLoading, ProLayout } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Dropdown, Tooltip, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { logout } from '../api/auth';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LanguageSwitch } from '../components/LanguageSwitch';
import type { MessageKey } from '../i18n';
import { NotificationBell } from '../notifications/NotificationBell';
import { type AppRoute, appRoutes, menuTestId, visibleRoutes } from '../routes';
import { forgetSession, hasPermission, useSession } from '../session/session';
import { ChangePasswordModal } from './ChangePasswordModal';
import { MfaModal } from './MfaModal';

/** Hidden pages stay out of the menu data: the entry whose path prefixes theirs stays selected. */
function toMenuData(routes: AppRoute[], t: TFunction): MenuDataItem[] {
  return routes
    .filter((route) => !route.hideInMenu)
    .map((route) => ({
      path: route.path,
      name: t(route.name as MessageKey),
      icon: route.icon,
      testId: menuTestId(route),
      children: route.children ? toMenuData(route.children, t) : undefined,
    }));
}

/**
 * The authenticated frame: side menu built from `appRoutes`, header with tenant, language,
 * notification bell, and the staff menu (who is signed in, change password, log out).
 */
export function BasicLayout() {
  const session = useSession();
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [changingPassword, setChangingPassword] = useState(false);
  const [showingMfa, setShowingMfa] = useState(false);

  const menuRoute = useMemo(
    () => ({
      path: '/',
      children: toMenuData(
        visibleRoutes(appRoutes, (permission) => hasPermission(session, permission), session.disabledPlugins),
        t,
      ),
    }),
    [session, t],
  );

  const handleLogout = async () => {
    try {
      await logout();
    } catch {
      // Already logged out or server unreachable: leave the console anyway.
    }
    forgetSession(queryClient);
    navigate('/login', { replace: true });
  };

  return (
    <ProLayout
      layout="mix"
      title={t('app.brand')}
      logo="/logo.svg"
      route={menuRoute}
      location={{ pathname: location.pathname }}
      menu={{ locale: false }}
      fixSiderbar
      fixedHeader
      onMenuHeaderClick={() => navigate('/')}
      menuItemRender={(item, dom) =>
        item.path ? (
          <Link to={item.path} data-testid={item.testId as string | undefined}>
            {dom}
          </Link>
        ) : (
          dom
        )
      }
      subMenuItemRender={(item, dom) => <span data-testid={item.testId as string | undefined}>{dom}</span>}
      actionsRender={() => [
        <Tooltip key="tenant" title={t('header.tenant')}>
          <span style={{ display: 'inline-flex', alignItems: 'center', gap: 6, padding: '0 8px' }}>
            <ShopOutlined />
            <span
              data-testid="layout-tenant-name"
              style={{
                maxWidth: 200,
                overflow: 'hidden',
                textOverflow: 'ellipsis',
                whiteSpace: 'nowrap',
              }}
            >
              {session.tenant.name}
            </span>
          </span>
        </Tooltip>,
        <LanguageSwitch key="language" />,
        <NotificationBell key="notifications" />,
      ]}
      avatarProps={{
        icon: <UserOutlined />,
        size: 'small',
        title: <span data-testid="staff-menu">{session.staff.name}</span>,
        render: (_, avatar) => (
          <Dropdown
            menu={{
              items: [
                {
                  key: 'staff',
                  disabled: true,
                  label: (
                    <div data-testid="staff-menu-identity">
                      <div>{session.staff.name}</div>
                      <Typography.Text type="secondary">{session.staff.email}</Typography.Text>
                    </div>
                  ),
                },
                { type: 'divider' },
                {
                  key: 'password',
                  icon: <LockOutlined />,
                  label: <span data-testid="change-password">{t('header.changePassword')}</span>,
                  onClick: () => setChangingPassword(true),
                },
                {
                  key: 'mfa',
                  icon: <SafetyOutlined />,
                  label: <span data-testid="staff-menu-mfa">{t('header.mfa')}</span>,
                  onClick: () => setShowingMfa(true),
                },
                {
                  key: 'logout',
                  icon: <LogoutOutlined />,
                  label: <span data-testid="logout">{t('header.logout')}</span>,
                  onClick: () => void handleLogout(),
                },
              ],
            }}
          >
            {avatar}
          </Dropdown>
        ),
      }}
    >
      <ErrorBoundary key={location.pathname}>
        <Suspense fallback={<PageLoading />}>
          <Outlet />
        </Suspense>
      </ErrorBoundary>
      {changingPassword && <ChangePasswordModal onClose={() => setChangingPassword(false)} />}
      {showingMfa && <MfaModal onClose={() => setShowingMfa(false)} />}
    </ProLayout>
  );
}
