import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createServiceRef } from '../kernel/extension-point.js';
import type { PureTask } from './workers/pure.js';

/** The compiled worker file (also when core runs from source in tests: workers must be JS). */
export function pureWorkerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.resolve(here, '..', '..', 'dist', 'jobs', 'workers', 'pure.js');
  const sibling = path.join(here, 'workers', 'pure.js');
  return existsSync(sibling) ? sibling : compiled;
}

/**
 * A piscina pool for pure CPU-heavy functions; 1 thread by default (2 cores: one for the API).
 * Its threads start on first use.
 */
export class WorkerPool {
  private piscina: Piscina | undefined;

  constructor(private readonly threads = 1) {}

  run<T>(task: PureTask): Promise<T> {
    this.piscina ??= new Piscina({ filename: pureWorkerFile(), minThreads: 0, maxThreads: this.threads, idleTimeout: 30_000 });
    return this.piscina.run(task) as Promise<T>;
  }

  async close(): Promise<void> {
    const piscina = this.piscina;
    this.piscina = undefined;
    await piscina?.destroy();
  }
}

/** The process's pool (the tasks module provides it; modules with CPU-heavy work depend on it). */
export const workerPoolRef = createServiceRef<WorkerPool>({ id: 'tasks.pool' });
