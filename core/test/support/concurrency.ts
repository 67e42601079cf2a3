import type { AnalyticsEngine, OlapLoadBatch } from '../../src/store/olap/analytics-engine.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and its resolve, to hold one step of a concurrent flow until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The analytics engine with `before` awaited ahead of every tenant's `load()` (to stall or slow loads). */
export function beforeLoads(olap: AnalyticsEngine, before: (batch: OlapLoadBatch) => Promise<void>): AnalyticsEngine {
  return new Proxy(olap, {
    get(target, prop, receiver) {
      if (prop !== 'forTenant') return Reflect.get(target, prop, receiver);
      return (tenantId: string) =>
        new Proxy(target.forTenant(tenantId), {
          get(inner, name, r) {
            if (name !== 'load') return Reflect.get(inner, name, r);
            return async (batch: OlapLoadBatch) => {
              await before(batch);
              return inner.load(batch);
            };
          },
        });
    },
  });
}
