import { HomeOutlined, SettingOutlined } from '@ant-design/icons';
import { lazy, type ReactNode } from 'react';
import type { MessageKey } from './i18n';

const HomePage = lazy(() => import('./pages/home/HomePage'));
const AppsPage = lazy(() => import('./pages/settings/apps/AppsPage'));
const PluginsPage = lazy(() => import('./pages/settings/plugins/PluginsPage'));

/**
 * The console's pages and menu, in one place. A module adds its entry here: a node with an
 * `element` is a page (and a menu item), a node with `children` only is a menu folder (hidden
 * when none of its children is visible). `permission` hides the entry and guards the page.
 */
export interface AppRoute {
  path: string;
  name: MessageKey;
  icon?: ReactNode;
  permission?: string;
  element?: ReactNode;
  children?: AppRoute[];
  hideInMenu?: boolean;
}

export const appRoutes: AppRoute[] = [
  { path: '/', name: 'menu.home', icon: <HomeOutlined />, element: <HomePage /> },
  {
    path: '/settings',
    name: 'menu.settings',
    icon: <SettingOutlined />,
    children: [
      {
        path: '/settings/integration',
        name: 'menu.integration',
        children: [
          {
            path: '/settings/apps',
            name: 'menu.privateApps',
            permission: 'apps.view',
            element: <AppsPage />,
          },
        ],
      },
      {
        path: '/settings/system',
        name: 'menu.system',
        children: [
          {
            path: '/settings/plugins',
            name: 'menu.plugins',
            permission: 'plugins.view',
            element: <PluginsPage />,
          },
        ],
      },
    ],
  },
];

/** The `data-testid` of a route's menu entry: `menu.privateApps` → `menu-privateApps`. */
export function menuTestId(route: Pick<AppRoute, 'name'>): string {
  return route.name.replace(/\./g, '-');
}

/** The routes a staff member may see; folders without visible children are dropped. */
export function visibleRoutes(routes: AppRoute[], allowed: (permission: string | undefined) => boolean): AppRoute[] {
  return routes.flatMap((route) => {
    if (!allowed(route.permission)) return [];
    if (!route.children) return [route];
    const children = visibleRoutes(route.children, allowed);
    if (children.length === 0 && !route.element) return [];
    return [{ ...route, children }];
  });
}

/** Every route that renders a page, flattened for react-router. */
export function pageRoutes(routes: AppRoute[]): AppRoute[] {
  return routes.flatMap((route) => [...(route.element ? [route] : []), ...pageRoutes(route.children ?? [])]);
}
