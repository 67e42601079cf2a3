import type { TaskKindDefinition } from './task.types.js';

/** The registered kinds of task (core modules and plugins add theirs). */
export class TaskKinds {
  private readonly kinds = new Map<string, TaskKindDefinition>();

  add(definition: TaskKindDefinition): void {
    if (!/^[a-z][A-Za-z0-9]*([.:-][A-Za-z0-9]+)*$/.test(definition.kind))
      throw new Error(`Task kind "${definition.kind}" is not a valid id`);
    if (this.kinds.has(definition.kind)) throw new Error(`Task kind "${definition.kind}" is registered twice`);
    this.kinds.set(definition.kind, definition);
  }

  get(kind: string): TaskKindDefinition | undefined {
    return this.kinds.get(kind);
  }

  all(): TaskKindDefinition[] {
    return [...this.kinds.values()];
  }
}
