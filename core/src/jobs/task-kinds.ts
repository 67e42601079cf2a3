import { createServiceRef } from '../kernel/extension-point.js';
import type { TaskKindDefinition } from './task.types.js';

/**
 * The kinds of task: those core modules and plugins contributed (`jobs.schedules` extension
 * point, read live from the registry), plus kinds added directly (tests).
 */
export class TaskKinds {
  private readonly kinds = new Map<string, TaskKindDefinition>();

  constructor(
    private readonly contributed: {
      taskKinds: ReadonlyMap<string, { pluginId: string; definition: TaskKindDefinition }>;
      /** False for a plugin isolated after a failed start (ADR 0040). */
      isAvailable?(pluginId: string): boolean;
    } = {
      taskKinds: new Map(),
    },
  ) {}

  add(definition: TaskKindDefinition): void {
    if (!/^[a-z][A-Za-z0-9]*([.:-][A-Za-z0-9]+)*$/.test(definition.kind))
      throw new Error(`Task kind "${definition.kind}" is not a valid id`);
    if (this.kinds.has(definition.kind) || this.contributed.taskKinds.has(definition.kind))
      throw new Error(`Task kind "${definition.kind}" is registered twice`);
    this.kinds.set(definition.kind, definition);
  }

  get(kind: string): TaskKindDefinition | undefined {
    return this.contributed.taskKinds.get(kind)?.definition ?? this.kinds.get(kind);
  }

  all(): TaskKindDefinition[] {
    return [...[...this.contributed.taskKinds.values()].map((owned) => owned.definition), ...this.kinds.values()];
  }

  /**
   * The kinds a worker may claim now: all but those of plugins isolated after a failed start, whose
   * tasks stay queued until the plugin starts again (ADR 0040).
   */
  runnable(): TaskKindDefinition[] {
    const available = (pluginId: string) => this.contributed.isAvailable?.(pluginId) ?? true;
    return [
      ...[...this.contributed.taskKinds.values()].filter((owned) => available(owned.pluginId)).map((owned) => owned.definition),
      ...this.kinds.values(),
    ];
  }
}

export const taskKindsRef = createServiceRef<TaskKinds>({ id: 'tasks.kinds' });
