import { createServiceRef } from '../kernel/extension-point.js';
import { isUniqueViolation, type ModuleDatabase } from '../store/oltp/oltp-store.js';

/**
 * "One at a time" rules (one contact import per tenant, one tag full sync…): a row per held
 * mutex, taken by a task and released when it ends. Taking a held mutex fails at once.
 */
export class TaskMutex {
  constructor(private readonly oltp: ModuleDatabase) {}

  /** Takes the mutex for `taskId`; false when another task holds it. */
  async acquire(tenantId: string, name: string, taskId: string): Promise<boolean> {
    try {
      await this.oltp
        .unscoped('task_mutex')
        .insert({ tenant_id: tenantId, name, task_id: taskId, acquired_at: await this.oltp.now() });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A holder whose task has ended (crashed without releasing) no longer holds it.
      const released = await this.oltp
        .unscoped('task_mutex')
        .where({ tenant_id: tenantId, name })
        .whereIn('task_id', this.oltp.unscoped('task').select('id').whereIn('status', ['succeeded', 'failed', 'cancelled']))
        .delete();
      if (released === 0) return false;
      return this.acquire(tenantId, name, taskId);
    }
  }

  async release(tenantId: string, name: string, taskId: string): Promise<void> {
    await this.oltp
      .forTenant(tenantId)
      .from('task_mutex')
      .where('task_mutex.name', name)
      .where('task_mutex.task_id', taskId)
      .delete();
  }

  async holder(tenantId: string, name: string): Promise<string | null> {
    const row = await this.oltp
      .forTenant(tenantId)
      .from<{ task_id: number | string }>('task_mutex')
      .where('task_mutex.name', name)
      .first();
    return row ? String(row.task_id) : null;
  }
}

export const taskMutexRef = createServiceRef<TaskMutex>({ id: 'tasks.mutex' });
