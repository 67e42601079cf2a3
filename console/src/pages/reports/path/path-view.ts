import { pathNodeLabel, type PathNode, type PathReportResult, type PathSeries } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';

// A path result (路径分析, ADR 0058) as the console shows it. Pure: texts come in `labels`.
// - Chart: a sankey of one path (a compared group's or everyone's): one column per layer, nodes
//   labelled `event · value`, the tooltip with 会话数 / 留存量 / 流失量; links with their sessions.
// - Table: one row per node with its layer, label, sessions, retained and churned.

export interface PathLabels {
  /** The folded node of a layer: 其他. */
  other: string;
  /** A missing dimension value: 未知. */
  empty: string;
  sessions: string;
  retained: string;
  churned: string;
  /** `第 {{layer}} 层`. */
  layer: (layer: number) => string;
}

export const nodeLabel = (result: PathReportResult, node: PathNode, labels: PathLabels) =>
  pathNodeLabel(result, node, { other: labels.other, empty: labels.empty });

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pathChartOption(result: PathReportResult, path: PathSeries, labels: PathLabels): EChartsCoreOption {
  const byId = new Map(path.nodes.map((node) => [node.id, node]));
  const name = (id: string) => {
    const node = byId.get(id);
    return node ? nodeLabel(result, node, labels) : id;
  };
  return {
    tooltip: {
      trigger: 'item',
      formatter: (params: { dataType?: string; data: { name?: string; source?: string; target?: string; value?: number } }) => {
        if (params.dataType === 'edge') {
          const { source = '', target = '', value = 0 } = params.data;
          return `${escape(name(source))} → ${escape(name(target))}<br/>${escape(labels.sessions)}: ${value}`;
        }
        const node = byId.get(params.data.name ?? '');
        if (!node) return '';
        return [
          `${escape(labels.layer(node.layer))} · ${escape(nodeLabel(result, node, labels))}`,
          `${escape(labels.sessions)}: ${node.sessions}`,
          `${escape(labels.retained)}: ${node.retained}`,
          `${escape(labels.churned)}: ${node.churned}`,
        ].join('<br/>');
      },
    },
    series: [
      {
        type: 'sankey',
        left: 16,
        right: 120,
        top: 16,
        bottom: 16,
        nodeAlign: 'left',
        layoutIterations: 0,
        emphasis: { focus: 'adjacency' },
        label: { formatter: (params: { name: string }) => name(params.name) },
        data: path.nodes.map((node) => ({ name: node.id, depth: node.layer - 1, value: node.sessions })),
        links: path.edges.map((edge) => ({ source: edge.source, target: edge.target, value: edge.sessions })),
      },
    ],
  };
}

export interface PathRow {
  key: string;
  group?: string;
  layer: number;
  node: string;
  sessions: number;
  retained: number;
  churned: number;
}

/** The table: every node of every path, layer by layer. */
export function pathRows(result: PathReportResult, labels: PathLabels): PathRow[] {
  return result.paths.flatMap((path) =>
    path.nodes.map((node) => ({
      key: `${path.group ?? 0}:${node.id}`,
      ...(result.groups.length ? { group: result.groups[path.group ?? 0]?.name ?? '' } : {}),
      layer: node.layer,
      node: nodeLabel(result, node, labels),
      sessions: node.sessions,
      retained: node.retained,
      churned: node.churned,
    })),
  );
}
