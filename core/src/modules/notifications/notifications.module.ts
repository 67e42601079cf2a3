import { defineModule } from '../../kernel/define-module.js';
import { httpExtensionPoint, tasksExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskKindsRef } from '../../jobs/task-kinds.js';
import { filesServiceRef } from '../files/files.service.js';
import { staffServiceRef } from '../staff/staff.service.js';
import { notificationsRoutes } from './notifications.routes.js';
import { NotificationsRepo } from './notifications.repo.js';
import { NotificationsService } from './notifications.service.js';

/** 通知中心: the end of a notifying task (import, export, sync, deletion) becomes a notification. */
export const notificationsModule = defineModule({
  id: 'notifications',
  title: { 'zh-CN': '通知中心', 'en-US': 'Notifications' },
  tables: ['notification'],
  dependencies: ['tasks', 'files', 'staff'],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        tasks: tasksExtensionPoint,
        db: kernelServices.moduleDatabase,
        kinds: taskKindsRef,
        files: filesServiceRef,
        staff: staffServiceRef,
      },
      init({ http, tasks, db, kinds, files, staff }) {
        const notifications = new NotificationsService(new NotificationsRepo(db), kinds, files, staff);
        tasks.onTaskFinished(async (task) => void (await notifications.fromTask(task)));
        http.addRoutes(notificationsRoutes(notifications));
      },
    });
  },
});
