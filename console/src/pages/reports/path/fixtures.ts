import type { PathReportResult } from '@huiliu/core/reports';

/** A path result of three layers (浏览 → 加购 / 其他 → 支付), as the server answers it. */
export function pathResult(layers = 3): PathReportResult {
  return {
    kind: 'path',
    model: 'path',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    anchor: 'start',
    events: [
      { event: 'view', name: '浏览' },
      { event: 'cart', name: '加购' },
      { event: 'pay', name: '支付' },
    ],
    dimension: { key: 'event.page', name: '页面' },
    layers,
    nodes: 1,
    groups: [],
    paths: [
      {
        sessions: 5,
        more: layers < 4,
        nodes: [
          { id: '1-1', layer: 1, event: 0, value: 'home', sessions: 5, retained: 4, churned: 1 },
          { id: '2-1', layer: 2, event: 1, value: null, sessions: 3, retained: 1, churned: 2 },
          { id: '2-2', layer: 2, event: null, sessions: 1, retained: 1, churned: 0 },
          { id: '3-1', layer: 3, event: 2, value: null, sessions: 2, retained: 1, churned: 1 },
        ],
        edges: [
          { source: '1-1', target: '2-1', sessions: 3 },
          { source: '1-1', target: '2-2', sessions: 1 },
          { source: '2-1', target: '3-1', sessions: 1 },
          { source: '2-2', target: '3-1', sessions: 1 },
        ],
      },
    ],
    groupCount: 2,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}
