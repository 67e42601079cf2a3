import type { CatalogueProperty, ConditionCatalogue } from '@huiliu/core/conditions';
import { pathLimits, type PathEvent, type PathQuery } from '@huiliu/core/reports';

// The 路径分析 builder's question (ADR 0058) and the pure edits on it.

/** A new question: paths from the first event over the past 7 days (30-minute sessions, 4 layers of 7 nodes). */
export function defaultQuery(catalogue: ConditionCatalogue): PathQuery | undefined {
  const event = catalogue.events[0];
  if (!event) return undefined;
  return {
    events: [{ event: event.code }],
    anchor: { kind: 'start', event: 0 },
    interval: { ...pathLimits.defaultInterval },
    filters: {},
    groups: [],
    merge: false,
    layers: pathLimits.defaultLayers,
    nodes: pathLimits.defaultNodes,
    timeRange: { kind: 'past', days: 7, includeToday: true },
  };
}

/** A saved query as the builder edits it (the server's defaults filled in). */
export function editableQuery(saved: Record<string, unknown>): PathQuery {
  const query = saved as unknown as PathQuery;
  return {
    ...query,
    interval: query.interval ?? { ...pathLimits.defaultInterval },
    filters: query.filters ?? {},
    groups: query.groups ?? [],
    merge: query.merge ?? false,
    layers: query.layers ?? pathLimits.defaultLayers,
    nodes: query.nodes ?? pathLimits.defaultNodes,
  };
}

/** The question as sent: empty parts left out (equal questions hit the same cache entry). */
export function queryToSend(query: PathQuery): PathQuery {
  const events = query.events.map((item): PathEvent => {
    const filters = item.filters ?? [];
    return {
      event: item.event,
      ...(filters.length ? { filters } : {}),
      ...(filters.length > 1 && item.filterOp ? { filterOp: item.filterOp } : {}),
    };
  });
  const filters: NonNullable<PathQuery['filters']> = {};
  if (query.filters?.contacts?.conditions.length) filters.contacts = query.filters.contacts;
  const { dimension, ...rest } = query;
  return { ...rest, events, filters, groups: query.groups ?? [], ...(dimension ? { dimension } : {}) };
}

/** The events without the one at `index`: the anchor follows its event (the first one when it was removed). */
export function withoutEvent(query: PathQuery, index: number): PathQuery {
  if (query.events.length <= 1) return query;
  const events = query.events.filter((_, at) => at !== index);
  const anchored = query.anchor.event;
  const event = anchored === index ? 0 : anchored > index ? anchored - 1 : anchored;
  return { ...query, events, anchor: { ...query.anchor, event } };
}

/** 展开下一层: one more layer, up to the most. */
export const nextLayer = (query: PathQuery): PathQuery => ({
  ...query,
  layers: Math.min(query.layers + 1, pathLimits.maxLayers),
});

/** Properties the dimension may be: any property of a chosen event (once each, by key). */
export function dimensionProperties(query: PathQuery, catalogue: ConditionCatalogue): CatalogueProperty[] {
  const seen = new Map<string, CatalogueProperty>();
  for (const item of query.events) {
    const event = catalogue.events.find((candidate) => candidate.code === item.event);
    for (const property of event?.properties ?? []) if (!seen.has(property.key)) seen.set(property.key, property);
  }
  return [...seen.values()];
}
