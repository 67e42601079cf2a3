import type { TenantAnalytics } from '../../../src/store/olap/analytics-engine.js';
import { eventRow } from '../support.js';

/** Events loaded for the slow operator query: its four-way self join has ROWS^4 combinations. */
export const SLOW_OPERATOR_ROWS = 1_000;

/**
 * Operator SQL that runs for minutes on StarRocks, within its operator allow-lists
 * (starrocks-operator-functions.ts): StarRocks has no range() and its generate_series needs TABLE(…)
 * around constants (table-functions/generate_series.md), which the sandbox does not accept — so the
 * rows come from the tenant's own event_view: a four-way cross join of 1,000 events is 10^12 rows,
 * and the predicate (sum of the four amounts, never negative) keeps the count from being answered
 * from metadata. Only count, +, >= and the view: nothing the sandbox refuses.
 */
export const SLOW_OPERATOR_SQL =
  'SELECT count(*) AS n FROM event_view AS a, event_view AS b, event_view AS c, event_view AS d ' +
  'WHERE a.p_amount + b.p_amount + c.p_amount + d.p_amount >= 0';

/** Loads the events the slow query joins (one batch, one Stream Load), then returns the query. */
export async function slowOperatorQuery(tenant: TenantAnalytics): Promise<string> {
  await tenant.load({
    batchId: `b-slow-operator-${tenant.tenantId}`,
    events: Array.from({ length: SLOW_OPERATOR_ROWS }, (_, n) =>
      eventRow({ contactId: String(n + 1), eventTime: Date.UTC(2026, 10, 20, 2, 0, n % 60), properties: { amount: n } }),
    ),
  });
  return SLOW_OPERATOR_SQL;
}
