import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContributionRegistry } from '../../src/kernel/contribution-registry.js';
import { EventBus, mayPublishTopic } from '../../src/kernel/event-bus.js';
import { PermissionRegistry } from '../../src/kernel/permissions.js';
import {
  batchLoadedTopic,
  coreServices,
  definePlugin,
  defineTopic,
  Joi,
  type BatchLoadedEvent,
  type TopicDelivery,
} from '../../src/plugin-api.js';
import signedHooks, { orderReceivedTopic, type OrderReceived } from '../fixtures/signed-hooks.plugin.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { testEngines } from '../support/engines.js';
import { Client, createTenant, createTestApp, describeEngines } from '../support/test-app.js';

/** A logger that keeps what was logged at error level. */
function recordingLogger() {
  const errors: { fields: Record<string, unknown>; message: string }[] = [];
  return {
    errors,
    logger: {
      error: (fields: Record<string, unknown>, message: string) => errors.push({ fields, message }),
      warn: () => undefined,
    },
  };
}

const plugin = (id: string) => ({ id, kind: 'plugin' as const });
const coreModule = (id: string) => ({ id, kind: 'module' as const });

describe('the event bus (ADR 0042)', () => {
  interface Pinged {
    n: number;
    tags: string[];
  }
  const pinged = defineTopic<Pinged>('acme-crm.pinged');

  it('delivers a typed payload to every subscriber and resolves once all of them have run', async () => {
    const bus = new EventBus(recordingLogger().logger);
    const publisher = bus.forConsumer(plugin('acme-crm'));
    const seen: string[] = [];
    bus.forConsumer(plugin('listener')).subscribe(pinged, async (payload, delivery: TopicDelivery) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(`slow:${payload.n}:${payload.tags.join(',')}:${delivery.publisher}:${delivery.topic}`);
    });
    bus.forConsumer(coreModule('journeys')).subscribe(pinged, (payload) => {
      seen.push(`fast:${payload.n}`);
    });
    await publisher.publish(pinged, { n: 1, tags: ['a'] });
    expect(seen.sort()).toEqual(['fast:1', 'slow:1:a:acme-crm:acme-crm.pinged']);
  });

  it('gives subscribers one frozen copy: neither they nor the publisher’s later changes reach another', async () => {
    const payload = { n: 1, tags: ['a'] };
    const received: Pinged[] = [];
    const { errors, logger } = recordingLogger();
    const quiet = new EventBus(logger);
    quiet.forConsumer(plugin('mutator')).subscribe(pinged, (p) => {
      (p.tags as string[]).push('changed');
    });
    quiet.forConsumer(plugin('reader')).subscribe(pinged, (p) => {
      received.push(p);
    });
    await quiet.forConsumer(plugin('acme-crm')).publish(pinged, payload);
    payload.tags.push('later');
    expect(received).toEqual([{ n: 1, tags: ['a'] }]);
    expect(Object.isFrozen(received[0]!.tags)).toBe(true);
    // The mutating subscriber failed on the frozen array, and was logged.
    expect(errors.map((e) => e.fields.subscriber)).toEqual(['mutator']);
  });

  it('logs a throwing subscriber and lets the others and the publisher go on', async () => {
    const { errors, logger } = recordingLogger();
    const bus = new EventBus(logger);
    const heard: number[] = [];
    bus.forConsumer(plugin('broken')).subscribe(pinged, () => {
      throw new Error('subscriber bug');
    });
    bus.forConsumer(plugin('rejecting')).subscribe(pinged, async () => {
      throw new Error('async subscriber bug');
    });
    bus.forConsumer(plugin('healthy')).subscribe(pinged, (p) => {
      heard.push(p.n);
    });
    await expect(bus.forConsumer(plugin('acme-crm')).publish(pinged, { n: 7, tags: [] })).resolves.toBeUndefined();
    expect(heard).toEqual([7]);
    expect(errors.map((e) => [e.message, e.fields.topic, e.fields.subscriber, (e.fields.err as Error).message]).sort()).toEqual([
      ['event subscriber failed', 'acme-crm.pinged', 'broken', 'subscriber bug'],
      ['event subscriber failed', 'acme-crm.pinged', 'rejecting', 'async subscriber bug'],
    ]);
  });

  it('lets a plugin publish only its own namespace, and core modules only core.*', async () => {
    const bus = new EventBus(recordingLogger().logger);
    const heard: unknown[] = [];
    bus.forConsumer(plugin('acme-crm')).subscribe(batchLoadedTopic, (p) => {
      heard.push(p);
    });
    const batch: BatchLoadedEvent = { tenantId: '1', batchId: '2', events: 0, contactIds: [] };
    await expect(bus.forConsumer(plugin('acme-crm')).publish(batchLoadedTopic, batch)).rejects.toThrow(
      '"acme-crm" may not publish topic "core.batchLoaded": a plugin publishes only topics of its own namespace',
    );
    await expect(bus.forConsumer(plugin('acme')).publish(pinged, { n: 1, tags: [] })).rejects.toThrow(
      '"acme" may not publish topic "acme-crm.pinged"',
    );
    await expect(bus.forConsumer(coreModule('ingestion')).publish(pinged, { n: 1, tags: [] })).rejects.toThrow(
      '"ingestion" may not publish topic "acme-crm.pinged"',
    );
    expect(heard).toEqual([]);
    await bus.forConsumer(coreModule('ingestion')).publish(batchLoadedTopic, batch);
    expect(heard).toEqual([batch]);
    expect(mayPublishTopic(plugin('core'), 'core.batchLoaded')).toBe(true);
    expect(mayPublishTopic(plugin('acme-crm'), 'acme-crmx.pinged')).toBe(false);
  });

  it('asks the plugin namespaces who owns a topic (ADR 0040): the camelCase form, a plugin it extends, never core.', async () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.setNamespace('acme-crm', 'acme-crm');
    registry.setNamespace('acme-crm-pay', 'acme-crm-pay', ['acme-crm']);
    registry.setNamespace('other', 'other');
    const bus = new EventBus(recordingLogger().logger, (id, topicId) => registry.ownsName(id, 'topic', topicId));
    const heard: string[] = [];
    for (const id of ['acmeCrm.leadCreated', 'acme-crm.paid', 'acme-crm-pay.settled'])
      bus.forConsumer(plugin('listener')).subscribe(defineTopic<object>(id), () => void heard.push(id));
    await bus.forConsumer(plugin('acme-crm')).publish(defineTopic<object>('acmeCrm.leadCreated'), {});
    await bus.forConsumer(plugin('acme-crm-pay')).publish(defineTopic<object>('acme-crm.paid'), {});
    await bus.forConsumer(plugin('acme-crm-pay')).publish(defineTopic<object>('acme-crm-pay.settled'), {});
    // The longer namespace owns its names: acme-crm does not extend acme-crm-pay.
    await expect(bus.forConsumer(plugin('acme-crm')).publish(defineTopic<object>('acme-crm-pay.settled'), {})).rejects.toThrow(
      'may not publish topic "acme-crm-pay.settled"',
    );
    await expect(bus.forConsumer(plugin('other')).publish(defineTopic<object>('acme-crm.paid'), {})).rejects.toThrow(
      '"other" may not publish topic "acme-crm.paid"',
    );
    expect(mayPublishTopic(plugin('acme-crm'), 'core.batchLoaded', () => true)).toBe(false);
    expect(heard).toEqual(['acmeCrm.leadCreated', 'acme-crm.paid', 'acme-crm-pay.settled']);
  });

  it('checks a topic’s schema on publish (the converted value is delivered) and refuses bad topic ids', async () => {
    const bus = new EventBus(recordingLogger().logger);
    const counted = defineTopic<{ count: number }>('acme-crm.counted', {
      schema: Joi.object({ count: Joi.number().required() }),
    });
    const heard: unknown[] = [];
    bus.forConsumer(plugin('listener')).subscribe(counted, (p) => {
      heard.push(p);
    });
    await expect(
      bus.forConsumer(plugin('acme-crm')).publish(counted, { count: 'many' } as unknown as { count: number }),
    ).rejects.toThrow('Topic "acme-crm.counted": the payload does not match its schema');
    await bus.forConsumer(plugin('acme-crm')).publish(counted, { count: '3' } as unknown as { count: number });
    expect(heard).toEqual([{ count: 3 }]);
    expect(() => defineTopic('NoNamespace')).toThrow('must look like <namespace>.<camelCaseName>');
    expect(() => defineTopic('acme-crm.Bad-name')).toThrow('must look like');
  });

  it('stops delivering after unsubscribe (calling it twice is harmless)', async () => {
    const bus = new EventBus(recordingLogger().logger);
    const heard: number[] = [];
    const unsubscribe = bus.forConsumer(plugin('listener')).subscribe(pinged, (p) => {
      heard.push(p.n);
    });
    await bus.forConsumer(plugin('acme-crm')).publish(pinged, { n: 1, tags: [] });
    unsubscribe();
    unsubscribe();
    await bus.forConsumer(plugin('acme-crm')).publish(pinged, { n: 2, tags: [] });
    expect(heard).toEqual([1]);
    expect(bus.subscriberCount(pinged)).toBe(0);
  });
});

// ---- through the kernel ---------------------------------------------------------------------------------------

/** What the listener plugin heard (tests filter by their own tenant). */
const heardBatches: BatchLoadedEvent[] = [];
const heardOrders: OrderReceived[] = [];

const listener = definePlugin({
  id: 'bus-listener',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { events: coreServices.eventBus },
      init({ events }) {
        events.subscribe(batchLoadedTopic, (batch) => {
          heardBatches.push(batch);
        });
        // "webhook received → trigger": another plugin's typed topic.
        events.subscribe(orderReceivedTopic, (order) => {
          heardOrders.push(order);
        });
        // A broken subscriber of the same topics changes nothing for the others.
        events.subscribe(batchLoadedTopic, () => {
          throw new Error('broken listener');
        });
      },
    });
  },
});

describeEngines(
  'the event bus in the app (ADR 0042)',
  (ctx) => {
    // Each engine's app numbers its tenants from 1: forget what the previous engine's app published.
    beforeAll(() => {
      heardBatches.length = 0;
      heardOrders.length = 0;
    });

    it('publishes core.batchLoaded after an ingestion batch is loaded, with the tenant, batch and contacts', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('batch', {
        batch: [
          { type: 'identify', anonymousId: 'bus-1', userId: 'u-bus-1', traits: { name: '王五' } },
          { type: 'track', anonymousId: 'bus-1', userId: 'u-bus-1', event: 'purchase' },
        ],
      });
      expect(heardBatches.filter((b) => b.tenantId === t.tenantId)).toEqual([]);
      await t.drain();
      const mine = heardBatches.filter((b) => b.tenantId === t.tenantId);
      expect(mine).toEqual([{ tenantId: t.tenantId, batchId: expect.any(String), events: 1, contactIds: [expect.any(String)] }]);
      const contacts = await ctx.app.olap.forTenant(t.tenantId).query('SELECT id FROM contacts', { rowMode: 'json' });
      // The contact is in OLAP when the event is heard.
      expect(contacts.rows).toEqual([{ id: mine[0]!.contactIds[0] }]);
    });

    it('delivers a plugin’s typed topic to another plugin: a signed webhook becomes an event', async () => {
      const tenant = await createTenant(ctx.app);
      const staff = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const secret = 'bus-secret-0123456789';
      const accountId = `bus-${process.pid}-${Date.now()}`;
      expect((await staff.request('PUT', '/api/v1/p/signed-hooks/account', { accountId, secret })).statusCode).toBe(204);
      const body = Buffer.from('{"orderId":"bus-o-1","amount":99}');
      const timestamp = String(Date.now());
      const res = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/p/signed-hooks/webhooks/orders',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-hooks-account': accountId,
          'x-hooks-timestamp': timestamp,
          'x-hooks-signature': createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex'),
        },
      });
      expect(res.statusCode, res.payload).toBe(200);
      expect(heardOrders.filter((o) => o.tenantId === tenant.tenantId)).toEqual([
        { tenantId: tenant.tenantId, accountId, orderId: 'bus-o-1', amount: 99 },
      ]);
    });
  },
  { plugins: [...firstPartyPlugins, signedHooks, listener] },
);

for (const engine of testEngines())
  describe(`the event bus refuses another plugin’s namespace at start-up [${engine}]`, () => {
    it('fails the init of a plugin publishing core.batchLoaded', async () => {
      const rogue = definePlugin({
        id: 'bus-rogue',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { events: coreServices.eventBus },
            async init({ events }) {
              await events.publish(batchLoadedTopic, { tenantId: '1', batchId: '1', events: 0, contactIds: [] });
            },
          });
        },
      });
      await expect(createTestApp(engine, {}, { plugins: [rogue] })).rejects.toThrow(
        'Plugin "bus-rogue": init failed: "bus-rogue" may not publish topic "core.batchLoaded"',
      );
    });
  });
