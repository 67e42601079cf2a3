import type { ReactNode } from 'react';
import type { MessageKey } from '../../i18n';
import { ExportContactsModal } from './export/ExportContactsModal';
import { ExportTasksDrawer } from './export/ExportTasksDrawer';
import { ListColumnsModal } from './ListColumnsModal';
import { WeChatIdSearchModal } from './WeChatIdSearchModal';
import DedupeDrawer from './DedupeDrawer';
import { contactBatchEditAction, contactImportAction } from './ContactImportModal';

/**
 * 所有用户 → 更多操作 (seed §1.4): the entries of the list page's "more actions" menu. Each feature
 * (import, export, export tasks, batch edit, dedupe and merge, search WeChat ID, display columns,
 * delete user data…) adds one entry here from its own file; the list page renders the menu and
 * mounts the entry's `render` while it is open (a modal or drawer that calls `close` when done).
 */
export interface ContactActionContext {
  /** Closes the entry's modal or drawer. */
  close: () => void;
  /** Reloads the list (after an edit, a merge, a deletion). */
  reload: () => void;
  /** The list's current filter (a condition tree), when the entry works on the filtered contacts. */
  filter?: unknown;
}

export interface ContactAction {
  key: string;
  label: MessageKey;
  /** Hidden for staff without it. */
  permission: string;
  /** Navigates instead of opening a modal. */
  to?: string;
  render?: (context: ContactActionContext) => ReactNode;
}

/** One line per feature; keep the seed's order of 更多操作. */
export const contactActions: ContactAction[] = [
  { key: 'dedupe', label: 'contacts.dedupe.menu', permission: 'contacts.merge', render: (c) => <DedupeDrawer {...c} /> },
  contactImportAction,
  contactBatchEditAction,
  { key: 'merges', label: 'contacts.actions.merges', permission: 'contacts.view', to: '/contacts/merges' },
  {
    key: 'export',
    label: 'contacts.export.action',
    permission: 'contacts.export',
    render: (c) => <ExportContactsModal close={c.close} filter={c.filter} />,
  },
  {
    key: 'exportTasks',
    label: 'contacts.export.tasksAction',
    permission: 'contacts.export',
    render: (c) => <ExportTasksDrawer close={c.close} />,
  },
  {
    key: 'columns',
    label: 'contacts.list.actions.columns',
    permission: 'contacts.edit',
    render: (c) => <ListColumnsModal {...c} />,
  },
  {
    key: 'wechat',
    label: 'contacts.list.actions.weChat',
    permission: 'contacts.view',
    render: (c) => <WeChatIdSearchModal {...c} />,
  },
];
