import Joi from 'joi';
import { describe, expect, it } from 'vitest';
import type { ReportModelDefinition } from '../../src/kernel/contributions.js';
import { checkReportModelSql } from '../../src/store/olap/report-sql-check.js';

const dailyUsers: ReportModelDefinition<{ days: number }> = {
  id: 'acme.daily-users',
  name: { 'zh-CN': '日活', 'en-US': 'Daily users' },
  query: Joi.object({ days: Joi.number().integer().min(1).required() }),
  examples: [{ days: 7 }, { days: 30 }],
  toSql: ({ days }) =>
    `SELECT event_day, count(DISTINCT contact_id) AS users FROM events WHERE event_day >= current_date - ${days} GROUP BY event_day`,
};

describe('checkReportModelSql', () => {
  it('names the model, the example and the SQL when the SQL does not run', async () => {
    const broken: ReportModelDefinition<{ days: number }> = {
      ...dailyUsers,
      id: 'acme.broken',
      toSql: () => 'SELECT no_such_column FROM events',
    };
    const error = await checkReportModelSql([dailyUsers, broken]).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /report model "acme\.broken" example #1: its SQL fails on DuckDB: .*no_such_column/s,
    );
    expect((error as Error).message).toContain('SELECT no_such_column FROM events');
  });

  it('refuses report SQL that reads a physical table, a schema or a table function, naming what it read', async () => {
    for (const [sql, refused] of [
      ['SELECT count(*) AS n FROM t_1.event_data', 'olap_sql_qualified_name: t_1.event_data'],
      ['SELECT count(*) AS n FROM event_data', 'olap_sql_relation_unknown: event_data'],
      [`SELECT * FROM read_parquet('/tmp/x.parquet')`, 'olap_sql_table_function: read_parquet()'],
      ['WITH e AS (SELECT * FROM events) SELECT * FROM e, t_2.contact_data', 'olap_sql_qualified_name: t_2.contact_data'],
    ]) {
      const physical: ReportModelDefinition<{ days: number }> = { ...dailyUsers, id: 'acme.physical', toSql: () => sql! };
      const error = await checkReportModelSql([physical]).catch((e: unknown) => e as Error);
      expect(error, sql).toBeInstanceOf(Error);
      expect((error as Error).message, sql).toContain(
        `report model "acme.physical" example #1: its SQL is refused by the OLAP SQL guard (${refused})`,
      );
    }
  });

  it('reports a toSql that throws', async () => {
    const throwing: ReportModelDefinition<{ days: number }> = {
      ...dailyUsers,
      id: 'acme.throwing',
      toSql: () => {
        throw new Error('days out of range');
      },
    };
    await expect(checkReportModelSql([throwing])).rejects.toThrow(
      'report model "acme.throwing" example #1: toSql threw: days out of range',
    );
  });

  it('runs every example over the logical relations, system properties and plugin relations', async () => {
    const articles: ReportModelDefinition<Record<string, never>> = {
      id: 'wechat.article-reads',
      name: { 'zh-CN': '图文阅读', 'en-US': 'Article reads' },
      query: Joi.object({}),
      examples: [{}],
      toSql: (_q, { timeZone }) =>
        `SELECT a.article_id, sum(a.reads) AS reads, count(e.s_msg_type) AS messages, '${timeZone}' AS tz
           FROM wechat_article_stats AS a LEFT JOIN events AS e ON e.s_msg_type = a.article_id GROUP BY a.article_id`,
    };
    const withoutSql: ReportModelDefinition<Record<string, never>> = { ...articles, id: 'wechat.no-sql', toSql: undefined };
    const checks = await checkReportModelSql([dailyUsers, articles, withoutSql], {
      systemProperties: [{ id: 's_msg_type', type: 'string' }],
      relations: [
        {
          name: 'wechat_article_stats',
          columns: [
            { name: 'article_id', type: 'string' },
            { name: 'reads', type: 'integer' },
          ],
        },
      ],
    });
    expect(checks).toEqual([
      { model: 'acme.daily-users', example: 1, columns: ['event_day', 'users'] },
      { model: 'acme.daily-users', example: 2, columns: ['event_day', 'users'] },
      { model: 'wechat.article-reads', example: 1, columns: ['article_id', 'reads', 'messages', 'tz'] },
    ]);
  });
});
