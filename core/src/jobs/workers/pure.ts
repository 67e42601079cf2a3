/**
 * Pure CPU-heavy functions run in the piscina pool. They never open a store: input in, output
 * out (ARCHITECTURE §7). Compiled to dist/jobs/workers/pure.js, which the pool loads.
 */
import { createHash } from 'node:crypto';

export interface PureTask {
  fn: 'sha256';
  input: string;
}

export default function run(task: PureTask): string {
  switch (task.fn) {
    case 'sha256':
      return createHash('sha256').update(task.input).digest('hex');
    default:
      throw new Error(`Unknown pure function ${(task as { fn: string }).fn}`);
  }
}
