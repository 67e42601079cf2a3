import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PureTask } from './workers/pure.js';

/** The compiled worker file (also when core runs from source in tests: workers must be JS). */
export function pureWorkerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.resolve(here, '..', '..', 'dist', 'jobs', 'workers', 'pure.js');
  const sibling = path.join(here, 'workers', 'pure.js');
  return existsSync(sibling) ? sibling : compiled;
}

/** A piscina pool for pure CPU-heavy functions; 1 thread by default (2 cores: one for the API). */
export class WorkerPool {
  private readonly piscina: Piscina;

  constructor(threads = 1) {
    this.piscina = new Piscina({ filename: pureWorkerFile(), minThreads: 0, maxThreads: threads, idleTimeout: 30_000 });
  }

  run<T>(task: PureTask): Promise<T> {
    return this.piscina.run(task) as Promise<T>;
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
