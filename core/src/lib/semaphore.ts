/** Thrown when a semaphore's queue is full or a waiter waited too long. */
export class SemaphoreBusyError extends Error {
  constructor(reason: 'queue_full' | 'wait_timeout') {
    super(`semaphore busy: ${reason}`);
    this.name = 'SemaphoreBusyError';
  }
}

/**
 * At most `limit` tasks at once; up to `maxQueue` more wait (first come, first served) for at most
 * `maxWaitMs`; anything beyond is refused at once with SemaphoreBusyError.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { resolve: () => void; timer: NodeJS.Timeout }[] = [];
  /** Most tasks ever running at once (observability, tests). */
  highWater = 0;

  constructor(
    readonly limit: number,
    readonly maxQueue: number,
    readonly maxWaitMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('Semaphore limit must be a positive integer');
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.take();
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) return Promise.reject(new SemaphoreBusyError('queue_full'));
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: () => {
          clearTimeout(entry.timer);
          this.take();
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(new SemaphoreBusyError('wait_timeout'));
        }, this.maxWaitMs),
      };
      this.waiting.push(entry);
    });
  }

  private take(): void {
    this.active += 1;
    this.highWater = Math.max(this.highWater, this.active);
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.resolve();
  }
}
