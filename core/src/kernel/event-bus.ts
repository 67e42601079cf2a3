import type Joi from 'joi';
import type { ServiceConsumer } from './extension-point.js';

/**
 * A kind of in-process event (ADR 0042): its id and, in the type, its payload. Made with
 * `defineTopic<T>(id)`; compared by id, like extension points, so two copies of the plugin API agree.
 */
export interface Topic<T> {
  readonly $$type: '@huiliu/Topic';
  /** `<namespace>.<name>`: the publisher's plugin id (`acme-crm.leadReceived`) or `core.` for core's own. */
  readonly id: string;
  /** Checked on every publish when present (the payload's shape is a contract between plugins). */
  readonly schema?: Joi.Schema<T>;
  /** Phantom field carrying the payload type; never read at run time. */
  readonly T: T;
}

/** `<namespace>.<name>`: a kebab-case namespace (a plugin id, or `core`), then a camelCase name. */
// `<namespace>.<name>`: the namespace kebab-case (`acme-crm.`) or camelCase (`acmeCrm.`, ADR 0040).
const TOPIC_ID = /^[a-z][a-z0-9]*((-[a-z0-9]+)*|([A-Z][a-z0-9]*)*)\.[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;

export function defineTopic<T>(id: string, options: { schema?: Joi.Schema<T> } = {}): Topic<T> {
  if (!TOPIC_ID.test(id)) throw new Error(`Topic id "${id}" must look like <namespace>.<camelCaseName>`);
  if (options.schema && typeof (options.schema as { validate?: unknown }).validate !== 'function')
    throw new Error(`Topic "${id}": schema must be a joi schema`);
  return {
    $$type: '@huiliu/Topic',
    id,
    ...(options.schema ? { schema: options.schema } : {}),
    get T(): T {
      throw new Error(`Topic<T>.T of "${id}" is a type-only field`);
    },
  };
}

/** What a subscriber learns besides the payload. */
export interface TopicDelivery {
  topic: string;
  /** The plugin or core module that published. */
  publisher: string;
  /** Epoch ms of the publish call. */
  publishedAt: number;
}

export type TopicHandler<T> = (payload: T, delivery: TopicDelivery) => void | Promise<void>;

/**
 * Typed in-process events between plugins and core modules (ADR 0042). Delivery is in-process,
 * at most once, not durable and per process: a subscriber in another process (an API process when a
 * worker publishes) hears nothing, and an event published while the process stops is lost. Durable
 * work goes through a task (`coreServices.tasks`) or ingestion; a subscriber that must not miss
 * anything enqueues a task and returns.
 */
export interface PluginEventBus {
  /**
   * Delivers the payload to every subscriber of the topic, concurrently, and resolves when all of
   * them have finished. A subscriber that throws (or rejects) is logged and changes nothing for the
   * others or the publisher: `publish` never rejects because of a subscriber. It rejects when the
   * caller may not publish the topic (another plugin's namespace) or the payload fails the topic's
   * schema — bugs of the publisher. Subscribers get one frozen copy of the (validated) payload.
   */
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  /** Any plugin or core module may subscribe to any topic, at any time; returns the unsubscribe. */
  subscribe<T>(topic: Topic<T>, handler: TopicHandler<T>): () => void;
}

/**
 * Whether `publisher` may publish `topicId`: core modules (and the built-in `core` plugin) in
 * `core.`; a plugin in its own namespace (ADR 0040: `<ns>.` or `<camelNs>.`, or one it `extends`),
 * as `owns` (the registry's `ownsName(id, 'topic', …)`) says — without it, `<pluginId>.`.
 */
export function mayPublishTopic(
  publisher: ServiceConsumer,
  topicId: string,
  owns?: (pluginId: string, topicId: string) => boolean,
): boolean {
  if (publisher.kind === 'module' || publisher.id === 'core') return topicId.startsWith('core.');
  if (topicId.startsWith('core.')) return false;
  return owns ? owns(publisher.id, topicId) : topicId.startsWith(`${publisher.id}.`);
}

interface Subscription {
  subscriber: string;
  handler: TopicHandler<unknown>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** The one bus of a process; each plugin and module gets a view bound to its id (`forConsumer`). */
export class EventBus {
  private readonly subscriptions = new Map<string, Subscription[]>();

  constructor(
    private readonly logger: { error(fields: Record<string, unknown>, message: string): unknown },
    /** Whether a plugin owns a topic id (the registry's namespaces, ADR 0040). */
    private readonly owns?: (pluginId: string, topicId: string) => boolean,
    /** False for a plugin isolated after a failed start (ADR 0040): its subscriptions do not fire. */
    private readonly available?: (subscriberId: string) => boolean,
  ) {}

  forConsumer(consumer: ServiceConsumer): PluginEventBus {
    return {
      publish: (topic, payload) => this.publish(consumer, topic, payload),
      subscribe: (topic, handler) => this.subscribe(consumer, topic, handler),
    };
  }

  /** How many handlers listen to a topic (tests, diagnostics). */
  subscriberCount(topic: Topic<unknown> | string): number {
    return this.subscriptions.get(typeof topic === 'string' ? topic : topic.id)?.length ?? 0;
  }

  async publish<T>(publisher: ServiceConsumer, topic: Topic<T>, payload: T): Promise<void> {
    if (topic?.$$type !== '@huiliu/Topic') throw new Error(`"${publisher.id}" publishes something that is not a topic`);
    if (!mayPublishTopic(publisher, topic.id, this.owns)) {
      throw new Error(
        `"${publisher.id}" may not publish topic "${topic.id}": a plugin publishes only topics of its own namespace`,
      );
    }
    let value: unknown = payload;
    if (topic.schema) {
      const { value: validated, error } = topic.schema.validate(payload, { abortEarly: false });
      if (error) throw new Error(`Topic "${topic.id}": the payload does not match its schema: ${error.message}`);
      value = validated;
    }
    const subscribers = (this.subscriptions.get(topic.id) ?? []).filter(({ subscriber }) => this.available?.(subscriber) ?? true);
    if (subscribers.length === 0) return;
    // One copy for every subscriber, frozen: no subscriber sees another's changes or the publisher's later ones.
    const delivered = deepFreeze(structuredClone(value));
    const delivery: TopicDelivery = Object.freeze({ topic: topic.id, publisher: publisher.id, publishedAt: Date.now() });
    await Promise.all(
      subscribers.map(async ({ subscriber, handler }) => {
        try {
          await handler(delivered, delivery);
        } catch (error) {
          this.logger.error({ err: error, topic: topic.id, subscriber, publisher: publisher.id }, 'event subscriber failed');
        }
      }),
    );
  }

  subscribe<T>(subscriber: ServiceConsumer, topic: Topic<T>, handler: TopicHandler<T>): () => void {
    if (topic?.$$type !== '@huiliu/Topic') throw new Error(`"${subscriber.id}" subscribes to something that is not a topic`);
    if (typeof handler !== 'function') throw new Error(`"${subscriber.id}" subscribes to "${topic.id}" without a handler`);
    const subscription: Subscription = { subscriber: subscriber.id, handler: handler as TopicHandler<unknown> };
    this.subscriptions.set(topic.id, [...(this.subscriptions.get(topic.id) ?? []), subscription]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const rest = (this.subscriptions.get(topic.id) ?? []).filter((s) => s !== subscription);
      if (rest.length) this.subscriptions.set(topic.id, rest);
      else this.subscriptions.delete(topic.id);
    };
  }
}

// ---- core's own topics ------------------------------------------------------------------------------

/** What `core.batchLoaded` carries: one ingestion load batch of a tenant, loaded into OLAP. */
export interface BatchLoadedEvent {
  tenantId: string;
  batchId: string;
  /** Events loaded by the batch (0 when it only identified contacts). */
  events: number;
  /**
   * Contacts created or changed by the batch and those it loaded events for (their OLAP rows are in
   * sync when this is published).
   */
  contactIds: string[];
}

/**
 * Published by the ingestion worker after each load batch is finished and its contacts synced to
 * OLAP (in the process that ran the batch). Journey triggers will be activated from it.
 */
export const batchLoadedTopic = defineTopic<BatchLoadedEvent>('core.batchLoaded');

/** What `core.groupMembershipChanged` carries: contacts that entered or left a group's active version. */
export interface GroupMembershipChangedEvent {
  tenantId: string;
  groupId: string;
  /** The version whose membership changed (the active one when the change was made). */
  version: number;
  /**
   * `realtime` after a load batch, `sweep` at the periodic re-evaluation of a real-time group,
   * `computation` when a computation (daily or by hand) switched versions (ADR 0048).
   */
  source: 'realtime' | 'sweep' | 'computation';
  /** At most 1,000 ids per side in one event; a larger change is published in several. */
  entered: string[];
  left: string[];
  /** Epoch ms of the change. */
  at: number;
}

/**
 * Published by the groups module in the process that changed the membership (the one holding OLAP):
 * journeys' "entered / left group" triggers. Like every topic, in-process and at most once.
 */
export const groupMembershipChangedTopic = defineTopic<GroupMembershipChangedEvent>('core.groupMembershipChanged');
