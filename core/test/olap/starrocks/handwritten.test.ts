import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, metadataFromDeclaration } from '../../../src/modules/conditions/catalogue.js';
import { ConditionCompiler } from '../../../src/modules/conditions/compiler.js';
import { clearFieldAccess, type ConditionsService } from '../../../src/modules/conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../../src/modules/group-selections/group-selections.service.js';
import { funnelModel } from '../../../src/modules/reports/funnel/funnel.js';
import { retentionAnalysisModel } from '../../../src/modules/reports/retention/retention-analysis.js';
import { DuckDbEngine } from '../../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../../src/store/olap/schema-versions.js';
import { starRocksDialect } from '../../../src/store/olap/starrocks/starrocks-dialect.js';
import { MembershipDouble, conditionsService } from '../../conditions/support.js';
import { describeOltpEngines, insertTenant, sampleDeclaration } from '../support.js';
import { conditionDeclaration } from '../../conditions/support.js';
import { GOLDEN_NOW, reportDeclaration } from './cases.js';
import { normalizeSql, splitStarRocksText, StarRocksSqlPath, withStarRocksDialect } from './support.js';

/**
 * Expectations written by hand from StarRocks' documentation, not generated: a golden regenerated
 * from the same code proves nothing by itself (issue 23). Each names the documentation it follows;
 * the comparison ignores blanks only. And a portability check over every golden file: nothing of
 * DuckDB's own spelling may reach StarRocks.
 */

/** The `events` relation of reportDeclaration / sampleDeclaration (ARCHITECTURE §5.7: merges applied here). */
const EVENTS_CTE = (properties: string) =>
  'WITH `events` AS (SELECT COALESCE(a.to_contact_id, e.contact_id) AS contact_id, e.contact_id AS source_contact_id, ' +
  'e.`event_time`, e.`event_day`, e.`event`, e.`channel_id`, e.`channel_account_id`, e.`message_id`, e.`direction`, ' +
  `e.\`journey_id\`, e.\`received_at\`, e.\`extra\`, ${properties} ` +
  // StarRocks.g4 relation: `qualifiedName AS alias`; a database per tenant (t_7), backquoted names.
  'FROM `t_7`.`event_data` AS e LEFT JOIN `t_7`.`contact_alias` AS a ON a.from_contact_id = e.contact_id)';

/** The funnel's buckets of seconds to convert (report.types.ts funnelTimeBuckets). */
const HISTOGRAM = [
  [0, 60],
  [60, 600],
  [600, 3600],
  [3600, 86400],
  [86400, 259200],
  [259200, 604800],
  [604800, null],
] as const;

const noSelections = {} as GroupSelectionsService;

describeOltpEngines('StarRocks SQL written by hand', (ctx) => {
  let sqlPath: StarRocksSqlPath;
  let engine: DuckDbEngine | undefined;
  let conditions: ConditionsService;
  let tenantId = '';

  beforeAll(async () => {
    sqlPath = await StarRocksSqlPath.open();
    engine = await DuckDbEngine.open({ path: ':memory:', versions: new OltpSchemaVersionStore(ctx.fixture.oltp), threads: 1 });
    await engine.start();
    tenantId = await insertTenant(ctx.fixture.oltp);
    await engine.forTenant(tenantId).declare(reportDeclaration);
    conditions = conditionsService(withStarRocksDialect(engine), ctx.fixture.oltp, new MembershipDouble());
  });
  afterAll(async () => {
    sqlPath?.close();
    await engine?.close();
  });

  const physical = async (sql: string, declaration = reportDeclaration, contactView?: object) =>
    normalizeSql((await sqlPath.run({ sql, declaration, contactView })).physical);

  it('the events relation: survivors through contact_alias, a system property also under its s_ name', async () => {
    expect(await physical('SELECT s_msg_type, count(*) AS n FROM events GROUP BY s_msg_type', sampleDeclaration())).toBe(
      normalizeSql(
        `${EVENTS_CTE('e.`p_11`, e.`p_12`, e.`p_13`, e.`p_13` AS `s_msg_type`')} ` +
          'SELECT s_msg_type, count(*) AS n FROM events GROUP BY s_msg_type',
      ),
    );
  });

  it('contact_view with a group column: the group version read through its delta with LEFT ANTI JOIN', async () => {
    const sql = await physical('SELECT id FROM contact_view WHERE group_21 ORDER BY id', sampleDeclaration(), {
      groups: [{ groupId: '21', version: 3 }],
    });
    expect(sql).toBe(
      normalizeSql(
        // StarRocks.g4 outerAndSemiJoinType: LEFT ANTI JOIN keeps the left rows without a match.
        'WITH `contact_view` AS (SELECT cv.*, (g0.contact_id IS NOT NULL) AS `group_21` FROM `t_7`.`contact_view` AS cv ' +
          'LEFT JOIN (SELECT DISTINCT contact_id FROM (SELECT m.group_id, m.version, m.contact_id FROM `t_7`.`group_member_data` AS m ' +
          'LEFT ANTI JOIN `t_7`.`group_delta_data` AS d ON d.group_id = m.group_id AND d.version = m.version AND d.contact_id = m.contact_id ' +
          'UNION ALL SELECT group_id, version, contact_id FROM `t_7`.`group_delta_data` WHERE member) AS gm ' +
          'WHERE group_id = 21 AND version = 3) AS g0 ON g0.contact_id = cv.id) ' +
          // DuckDB sorts NULLs last; StarRocks' ASC needs it said (R23-2).
          'SELECT id FROM contact_view WHERE group_21 ORDER BY id NULLS LAST',
      ),
    );
  });

  it('a did-event condition: one aggregate over the window, UTC bounds as DATETIME parameters', async () => {
    const context = buildContext(metadataFromDeclaration('Asia/Shanghai', conditionDeclaration), [], []);
    const compiled = new ConditionCompiler(starRocksDialect).count(
      {
        type: 'and',
        conditions: [
          {
            type: 'event',
            did: true,
            event: 'purchase',
            time: { kind: 'past', days: 7, includeToday: true },
            filters: [{ property: 'categories', operator: 'containsAny', values: ['shoes', 'bags'] }],
          },
        ],
      },
      context,
      { now: GOLDEN_NOW },
    );
    // 过去 7 天 含今天 on 2026-02-10 in Shanghai: the 7 days before and today (2-3 … 2-10, core/test/conditions/
    // engine.test.ts), 2026-02-03 00:00 to 2026-02-11 00:00 local, as UTC text.
    expect(compiled.params).toEqual(['purchase', '2026-02-02 16:00:00.000', '2026-02-10 16:00:00.000', 'shoes', 'bags']);
    const sql = normalizeSql((await sqlPath.run({ sql: compiled.sql, declaration: conditionDeclaration })).physical);
    expect(sql).toBe(
      normalizeSql(
        `${EVENTS_CTE('e.`p_11`, e.`p_12`, e.`p_13`, e.`p_14`')}, ` +
          '`contacts` AS (SELECT `id`, `identified`, `name`, `gender`, `birthday`, `mobile`, `email`, `country`, `province`, `city`, ' +
          '`utm_source`, `utm_medium`, `utm_campaign`, `utm_content`, `utm_term`, `first_seen_at`, `last_active_at`, `created_at`, ' +
          '`updated_at`, `nickname`, `avatar`, `company`, `department`, `title`, `industry`, `home_phone`, `id_card`, `postal_code`, ' +
          '`street`, `website`, `comment`, `p_21`, `p_22` FROM `t_7`.`contact_data`), ' +
          // sql-functions/cast: CAST(… AS DATETIME); array-functions/arrays_overlap and the [ … ] constructor.
          '__condition_events AS (SELECT contact_id, count(*) AS n0 FROM events WHERE event = ? ' +
          'AND event_time >= CAST(? AS DATETIME) AND event_time < CAST(? AS DATETIME) ' +
          'AND ((arrays_overlap(`p_13`, [?, ?]))) GROUP BY contact_id) ' +
          'SELECT count(*) AS count FROM contacts AS c LEFT JOIN __condition_events AS ev ON ev.contact_id = c.id ' +
          'WHERE (COALESCE(ev.n0, 0) > 0)',
      ),
    );
  });

  it('a funnel: steps joined by min() over the range (no ASOF), seconds by milliseconds_diff, median by percentile_cont', async () => {
    const model = funnelModel({ conditions, selections: noSelections, dialect: starRocksDialect });
    const { value } = model.query.validate({
      steps: [{ event: 'view' }, { event: 'pay' }],
      window: { unit: 'day', value: 1 },
      timeRange: { kind: 'between', from: '2026-02-01', to: '2026-02-01' },
    });
    const plan = await model.plan!(value, {
      tenantId,
      staffId: null,
      timeZone: 'Asia/Shanghai',
      now: GOLDEN_NOW,
      maxGroups: 50,
      fields: clearFieldAccess,
    });
    expect(plan.statements).toHaveLength(1);
    // The range (02-01 local) and the scan to the end of its last anchor's window (one day later).
    expect(plan.statements[0]!.params).toEqual([
      '2026-01-31 16:00:00.000',
      '2026-02-01 16:00:00.000',
      'view',
      'pay',
      'view',
      'pay',
      '2026-01-31 16:00:00.000',
      '2026-02-02 16:00:00.000',
      'view',
      'pay',
    ]);
    const histogram = HISTOGRAM.map(
      ([from, to], i) =>
        `count(CASE WHEN lvl = 2 AND t2 - t1 >= ${from}${to === null ? '' : ` AND t2 - t1 < ${to}`} THEN 1 END) AS h${i}`,
    ).join(', ');
    expect(normalizeSql((await sqlPath.run({ sql: plan.statements[0]!.sql, declaration: reportDeclaration })).physical)).toBe(
      normalizeSql(
        `${EVENTS_CTE('e.`p_11`, e.`p_12`, e.`p_13`')}, ` +
          // date-time-functions/milliseconds_diff (v3.2.4): ms from the epoch, no zone involved; datediff: days.
          '__ev AS (SELECT contact_id AS cid, row_number() OVER (PARTITION BY contact_id ORDER BY event_time NULLS LAST) AS rid, ' +
          "CAST(floor(milliseconds_diff(event_time, DATETIME '1970-01-01 00:00:00') / 1000) AS BIGINT) AS ts, " +
          "datediff(event_day, DATE '1970-01-01') AS dn, " +
          '(event_time >= CAST(? AS DATETIME) AND event_time < CAST(? AS DATETIME)) AS inr, (event = ?) AS m1, (event = ?) AS m2 ' +
          'FROM events WHERE event IN (?, ?) AND event_time >= CAST(? AS DATETIME) AND event_time < CAST(? AS DATETIME) ' +
          'AND ((event = ?) OR (event = ?))), ' +
          '__s1 AS (SELECT ev.cid, ev.rid AS a, NULL AS dv, NULL AS hv, ev.dn AS d1, ev.rid AS r1, ev.ts AS t1 FROM __ev AS ev WHERE ev.m1 AND ev.inr), ' +
          '__j2 AS (SELECT s.cid, s.a, min(e.rid) AS r, min(e.ts) AS t FROM __s1 AS s JOIN __ev AS e ON e.cid = s.cid AND e.m2 ' +
          'AND e.ts >= s.t1 AND e.rid <> s.r1 AND e.dn - s.d1 <= 1 GROUP BY s.cid, s.a), ' +
          '__s2 AS (SELECT s.cid, s.a, s.dv, s.hv, s.d1, s.r1, s.t1, j.r AS r2, j.t AS t2 FROM __s1 AS s JOIN __j2 AS j ON j.cid = s.cid AND j.a = s.a), ' +
          '__chains AS (SELECT cid, a, dv, 1 AS lvl, t1, CAST(NULL AS BIGINT) AS t2 FROM __s1 UNION ALL SELECT cid, a, dv, 2 AS lvl, t1, t2 FROM __s2), ' +
          // aggregate-functions/min_by (v2.5): the value at the least (steps missed, anchor).
          '__best_all AS (SELECT cid, max(lvl) AS lvl, min_by(t1, (2 - lvl) * 17179869184 + a) AS t1, ' +
          'min_by(t2, (2 - lvl) * 17179869184 + a) AS t2 FROM __chains GROUP BY cid) ' +
          // aggregate-functions/percentile_cont: interpolated; DOUBLE in, as its result takes the input's type.
          'SELECT 1 AS __all, count(CASE WHEN lvl >= 1 THEN 1 END) AS u1, count(CASE WHEN lvl >= 2 THEN 1 END) AS u2, ' +
          `percentile_cont(CAST(t2 - t1 AS DOUBLE), 0.5) AS m2, ${histogram} FROM __best_all`,
      ),
    );
  });

  it('a retention: local days numbered by datediff, a cohort joined to its returns within the periods', async () => {
    const model = retentionAnalysisModel({ conditions, selections: noSelections, dialect: starRocksDialect });
    const { value } = model.query.validate({
      initial: { event: 'view' },
      return: { event: 'pay' },
      unit: 'day',
      periods: 3,
      timeRange: { kind: 'between', from: '2026-02-01', to: '2026-02-02' },
    });
    const plan = await model.plan!(value, {
      tenantId,
      staffId: null,
      timeZone: 'Asia/Shanghai',
      now: GOLDEN_NOW,
      maxGroups: 50,
      fields: clearFieldAccess,
    });
    expect(plan.statements).toHaveLength(1);
    const physicalSql = normalizeSql(
      (await sqlPath.run({ sql: plan.statements[0]!.sql, declaration: reportDeclaration })).physical,
    );
    // Initial events in the range (02-01 … 02-02 local); returns up to 3 days after its last day (… 02-05).
    // A plain event (no filters): its code alone selects the rows.
    expect(plan.statements[0]!.params).toEqual([
      'view',
      '2026-01-31 16:00:00.000',
      '2026-02-02 16:00:00.000',
      'pay',
      '2026-01-31 16:00:00.000',
      '2026-02-05 16:00:00.000',
    ]);
    // Per contact and local day (event_day): the first initial second and the last return second — a return
    // on the cohort's own day counts when it is not before the first initial event (ADR 0055).
    const daily = (alias: string, time: string, fn: 'min' | 'max') =>
      `${alias} AS (SELECT __cid, datediff(__d, DATE '1970-01-01') AS __p, ${time} FROM (SELECT contact_id AS __cid, event_day AS __d, ` +
      // date-time-functions/date_trunc: 'second' zeroes the fraction; datediff: days between the dates.
      `date_trunc('second', ${fn}(event_time)) AS ${time} FROM events WHERE event IN (?) ` +
      'AND event_time >= CAST(? AS DATETIME) AND event_time < CAST(? AS DATETIME) GROUP BY contact_id, event_day) AS __daily)';
    expect(physicalSql).toBe(
      normalizeSql(
        `${EVENTS_CTE('e.`p_11`, e.`p_12`, e.`p_13`')}, ${daily('__i', '__t0', 'min')}, ${daily('__r', '__tr', 'max')} ` +
          'SELECT __p AS __cohort, NULL AS __k, count(*) AS __n FROM __i GROUP BY __p UNION ALL ' +
          'SELECT c.__p AS __cohort, r.__p - c.__p AS __k, count(*) AS __n FROM __i AS c JOIN __r AS r ' +
          'ON r.__cid = c.__cid AND r.__p >= c.__p AND r.__p <= c.__p + 3 WHERE r.__p > c.__p OR r.__tr >= c.__t0 ' +
          'GROUP BY c.__p, r.__p - c.__p',
      ),
    );
  });
});

// ---- portability: nothing of DuckDB's own spelling reaches StarRocks ---------------------------------------

const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

/**
 * StarRocks' reserved words (docs.starrocks.io/docs/sql-reference/sql-statements/keywords): one written
 * unquoted as an alias would not parse there.
 */
const RESERVED = new Set(
  (
    'ADD ALL ALTER ANALYZE AND ARRAY AS ASC BETWEEN BIGINT BITMAP BOTH BY CASE CHAR CHARACTER CHECK COLLATE COLUMN ' +
    'COMPACTION CONVERT CREATE CROSS CUBE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURRENT_ROLE DATABASE ' +
    'DATABASES DECIMAL DECIMALV2 DECIMAL32 DECIMAL64 DECIMAL128 DEFAULT DELETE DENSE_RANK DESC DESCRIBE DISTINCT DOUBLE ' +
    'DROP DUAL DEFERRED ELSE EXCEPT EXCLUDE EXISTS EXPLAIN FALSE FIRST_VALUE FLOAT FOR FORCE FROM FULL FUNCTION GRANT GROUP ' +
    'GROUPS GROUPING GROUPING_ID HAVING HLL HOST IF IGNORE IN INDEX INFILE INNER INSERT INT INTEGER INTERSECT INTO IS ' +
    'IMMEDIATE JOIN JSON KEY KEYS KILL LAG LARGEINT LAST_VALUE LATERAL LEAD LEFT LIKE LIMIT LOAD LOCALTIME LOCALTIMESTAMP ' +
    'MAXVALUE MINUS MOD NTILE NOT NULL ON OR ORDER OUTER OUTFILE OVER PARTITION PERCENTILE PRIMARY PROCEDURE QUALIFY RANGE ' +
    'RANK READ REGEXP RELEASE RENAME REPLACE REVOKE RIGHT RLIKE ROW ROWS ROW_NUMBER SCHEMA SCHEMAS SELECT SET SET_VAR SHOW ' +
    'SMALLINT SYSTEM TABLE TERMINATED TEXT THEN TINYINT TO TRUE UNION UNIQUE UNSIGNED UPDATE USE USING VALUES VARCHAR WHEN WHERE WITH'
  ).split(' '),
);

/** What must not appear in StarRocks code (outside strings and backquoted names), and why. */
const DENIED: [RegExp, string][] = [
  [/::/, 'DuckDB cast ::'],
  [/\bASOF\b/i, 'ASOF JOIN (none in StarRocks)'],
  [/\blist_\w*\s*\(|\blist\s*\(/i, 'DuckDB list functions'],
  [/\bepoch(_ms)?\s*\(/i, 'epoch / epoch_ms (StarRocks: milliseconds_diff)'],
  [/"/, 'a double quote (StarRocks reads "…" as a string)'],
  [/\bEXCLUDE\b/i, '* EXCLUDE'],
  [/(?<!\b(?:LEFT|RIGHT)\s+)\b(ANTI|SEMI)\s+JOIN\b/i, 'ANTI / SEMI JOIN without LEFT / RIGHT'],
  [/\/\//, 'integer division //'],
  [/\|\|/, '|| (StarRocks: OR)'],
  [/\bQUALIFY\b/i, 'QUALIFY'],
  [/\bFILTER\s*\(/i, 'aggregate FILTER'],
  [/\bUSING\s+SAMPLE\b|\bTABLESAMPLE\b/i, 'sampling'],
  [/\bBY\s+ALL\b/i, 'GROUP / ORDER BY ALL'],
  [/\bCOLUMNS\s*\(/i, 'COLUMNS(…)'],
  [/\bGROUP\s+BY\s+\d/i, 'GROUP BY position (StarRocks documents none)'],
  [/\bTIMESTAMP\b/i, 'the TIMESTAMP type (StarRocks: DATETIME)'],
  [/\w\s*\[\s*\]/, 'a T[] array type'],
  [/\b(HUGEINT|UBIGINT|UINTEGER|TIMESTAMPTZ|INTERVAL\s*')/i, 'a DuckDB-only type or literal'],
  [/\bTRY_CAST\b|\bTRY\s*\(/i, 'TRY_CAST / TRY'],
  [
    /\b(arg_min|arg_max|argmin|argmax|quantile\w*|median|date_diff|date_part|make_date|strftime|strptime|regexp_\w+|json_extract\w*|len|contains|timezone|hash|struct_\w+|range|generate_series|today|to_timestamp|greatest|least|isnan|string_agg|group_concat|list_value|count_star|array_has\w*)\s*\(/i,
    'a DuckDB function, or one whose meaning differs in StarRocks',
  ],
  [/(?<!(?:,|\bFROM|\bJOIN)\s*)\bunnest\s*\(/i, 'unnest outside FROM (StarRocks: a table function only)'],
  [/(^|[^!<>=])==/, '== (DuckDB equality)'],
  [/\^|\*\*|&&|~|->|@|\{|\}|\$|#/, 'an operator without the same meaning in StarRocks'],
];

/** The deny-list's findings in StarRocks text (code outside strings and backquoted names). */
function denied(sql: string): string[] {
  return splitStarRocksText(sql).flatMap((part) =>
    part.code ? DENIED.flatMap(([pattern, what]) => (pattern.test(part.text) ? [what] : [])) : [],
  );
}

function goldenFiles(): { file: string; sql: string }[] {
  return (
    readdirSync(GOLDEN_DIR, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.sql'))
      // ddl/ holds the engine's DDL statements (engine.test.ts, ADR 0064), not generated query SQL.
      .filter((file) => file.split(path.sep)[0] !== 'ddl')
      .sort()
      .map((file) => ({
        file,
        sql: readFileSync(path.join(GOLDEN_DIR, file), 'utf8')
          .split('\n')
          .filter((line) => !line.startsWith('--'))
          .join('\n'),
      }))
  );
}

describe('StarRocks golden SQL: portability', () => {
  const files = goldenFiles();

  it('has golden files to check (contract, conditions, reports, modules, operator SQL)', () => {
    const areas = new Set(files.map((f) => f.file.split(path.sep)[0]));
    expect([...areas].sort()).toEqual(['conditions', 'contract', 'modules', 'operator', 'reports']);
    expect(files.length).toBeGreaterThan(60);
  });

  it('finds DuckDB’s spelling where it is (the check is not vacuous), and not inside strings or names', () => {
    expect(
      denied(
        'SELECT epoch_ms(t)::BIGINT, "x", a // 2, a || b, quantile_cont(v, 0.5) FROM t ANTI JOIN u ON TRUE GROUP BY 1, CAST(v AS VARCHAR[])',
      ),
    ).toEqual([
      'DuckDB cast ::',
      'epoch / epoch_ms (StarRocks: milliseconds_diff)',
      'a double quote (StarRocks reads "…" as a string)',
      'ANTI / SEMI JOIN without LEFT / RIGHT',
      'integer division //',
      '|| (StarRocks: OR)',
      'GROUP BY position (StarRocks documents none)',
      'a T[] array type',
      'a DuckDB function, or one whose meaning differs in StarRocks',
    ]);
    expect(denied('SELECT \'a || b :: "c" epoch_ms(x)\' AS `weird||name`, x FROM t LEFT ANTI JOIN u ON TRUE')).toEqual([]);
  });

  it('holds nothing of DuckDB’s own spelling', () => {
    expect(files.flatMap(({ file, sql }) => denied(sql).map((what) => `${file}: ${what}`))).toEqual([]);
  });

  it('writes no StarRocks reserved word as an unquoted alias or name', () => {
    const found: string[] = [];
    for (const { file, sql } of files) {
      for (const part of splitStarRocksText(sql)) {
        if (!part.code) continue;
        for (const match of part.text.matchAll(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi)) {
          if (
            RESERVED.has(match[1]!.toUpperCase()) &&
            !/^(DATE|DATETIME|DOUBLE|BIGINT|INTEGER|INT|VARCHAR|BOOLEAN|JSON|ARRAY)$/i.test(match[1]!)
          )
            found.push(`${file}: AS ${match[1]}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('holds no ? inside a string literal (mysql2 fills every ? of the text, strings included)', () => {
    const found = files.flatMap(({ file, sql }) =>
      splitStarRocksText(sql).some((part) => !part.code && part.text.startsWith("'") && part.text.includes('?')) ? [file] : [],
    );
    expect(found).toEqual([]);
  });
});
