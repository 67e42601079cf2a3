import { Joi, type ReportModelDefinition } from '@huiliu/core/plugin-api';
import { ORDER_PAID } from '../events/order.events.js';

export interface PaidOrdersQuery {
  /** Only this shop (channel id); all shops when absent. */
  channelId?: string;
}

const CHANNEL_ID = /^[1-9][0-9]{0,18}$/;

/**
 * Paid orders and their amount per day, over the `events` relation (its `s_` system properties
 * answer to their own names). The SQL passes the OLAP SQL guard when the server starts and runs on
 * DuckDB in `expectPluginContract`.
 */
export const paidOrdersByDay: ReportModelDefinition<PaidOrdersQuery> = {
  id: 'acmeShop.paidOrdersByDay',
  name: { 'zh-CN': '每日支付订单', 'en-US': 'Paid orders by day' },
  query: Joi.object<PaidOrdersQuery>({ channelId: Joi.string().pattern(CHANNEL_ID) }),
  examples: [{}, { channelId: '1' }],
  toSql(query) {
    // The query was validated; the pattern is checked again where the value enters SQL text.
    const channel = query.channelId && CHANNEL_ID.test(query.channelId) ? ` AND channel_id = ${query.channelId}` : '';
    return (
      'SELECT event_day AS day, count(*) AS orders, sum(s_acmeOrderAmount) AS amount ' +
      `FROM events WHERE event = '${ORDER_PAID}'${channel} GROUP BY event_day ORDER BY event_day`
    );
  },
};
