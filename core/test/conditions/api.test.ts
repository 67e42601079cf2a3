import { expect, it } from 'vitest';
import type { ConditionTree } from '../../src/modules/conditions/condition.types.js';
import type { TenantMetadata } from '../../src/modules/conditions/metadata-source.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';
import { roleHolder } from '../masking/support.js';
import { overHandWrittenDeclarations } from './support.js';

const declaration = {
  timeZone: 'Asia/Shanghai',
  events: [{ code: 'purchase', alias: 'purchase' }],
  eventProperties: [{ id: '11', name: 'amount', type: 'number' as const }],
  contactAttributes: [{ id: '21', type: 'integer' as const, name: 'level' }],
  dimensions: [],
};

const shanghai = (tree: ConditionTree) => ({ tree });
const inShanghai: ConditionTree = {
  type: 'and',
  conditions: [{ type: 'property', property: 'province', operator: 'eq', values: ['上海'] }],
};

describeEngines('conditions API', (ctx) => {
  overHandWrittenDeclarations(() => ctx.app);
  /** A tenant whose analytics store holds three contacts (two in 上海) and one purchase. */
  async function seeded() {
    const tenant = await createTenant(ctx.app);
    const olap = ctx.app.olap.forTenant(tenant.tenantId);
    await olap.declare(declaration);
    await olap.load({
      batchId: `seed-${tenant.tenantId}`,
      contacts: [
        { id: '1', province: '上海' },
        { id: '2', province: '上海' },
        { id: '3', province: '北京' },
      ],
      events: [
        {
          eventTime: Date.now() - 3_600_000,
          event: 'purchase',
          contactId: '1',
          messageId: `m-${tenant.tenantId}`,
          direction: 'inbound',
          properties: { amount: 88 },
        },
      ],
    });
    return { tenant, client: await Client.staff(ctx.app.server, tenant.email, tenant.password) };
  }

  it('estimates the matching contacts from the tenant’s analytics store', async () => {
    const { client } = await seeded();
    const res = await client.request('POST', '/api/v1/conditions/estimate', shanghai(inShanghai));
    expect(res.statusCode).toBe(200);
    expect(res.body.count).toBe(2);
    expect(res.body.computedAt).toBeGreaterThan(Date.now() - 60_000);

    const buyers = await client.request('POST', '/api/v1/conditions/estimate', {
      tree: {
        type: 'and',
        conditions: [
          {
            type: 'event',
            did: true,
            event: 'purchase',
            time: { kind: 'past', days: 7, includeToday: true },
            filters: [{ property: 'amount', operator: 'gt', values: [50] }],
          },
          { type: 'or', conditions: [{ type: 'property', property: 'attr21', operator: 'isNull' }] },
        ],
      },
    });
    expect(buyers.statusCode).toBe(200);
    expect(buyers.body.count).toBe(1);
  });

  it('never counts another tenant’s contacts', async () => {
    await seeded();
    const other = await seeded();
    const third = await createTenant(ctx.app);
    const thirdClient = await Client.staff(ctx.app.server, third.email, third.password);
    expect((await other.client.request('POST', '/api/v1/conditions/estimate', shanghai(inShanghai))).body.count).toBe(2);
    // A tenant without an analytics declaration has no contacts there yet.
    const empty = await thirdClient.request('POST', '/api/v1/conditions/estimate', shanghai(inShanghai));
    expect(empty.statusCode).toBe(200);
    expect(empty.body.count).toBe(0);
  });

  it('validates a tree: every problem at once, with its path, code and message in the caller’s language', async () => {
    const { client } = await seeded();
    const tree = {
      type: 'and',
      conditions: [
        { type: 'property', property: 'province', operator: 'gt', values: [1] },
        { type: 'event', did: true, event: 'nope', time: { kind: 'relativeRange', from: 3, to: -3 } },
        { type: 'or', conditions: [{ type: 'property', property: 'attr21', operator: 'between', values: [9, 1] }] },
        { type: 'or', conditions: [] },
      ],
    };
    const res = await client.request('POST', '/api/v1/conditions/validate', { tree });
    expect(res.statusCode).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.problems.map((p: { path: string; code: string }) => [p.path, p.code])).toEqual([
      ['conditions.0.operator', 'condition_operator_invalid'],
      ['conditions.1.event', 'condition_event_unknown'],
      ['conditions.1.time', 'condition_range_reversed'],
      ['conditions.2.conditions.0.values', 'condition_range_reversed'],
      ['conditions.3', 'condition_group_empty'],
    ]);
    expect(res.body.problems[0].message).toBe('该属性类型不支持此判断类型');

    client.language = 'en-US';
    const en = await client.request('POST', '/api/v1/conditions/estimate', { tree });
    expect(en.statusCode).toBe(400);
    expect(en.body).toMatchObject({
      code: 'condition_invalid',
      message: 'The conditions have 5 problem(s); fix them and try again',
    });
    expect(en.body.details[1]).toEqual({ path: 'conditions.1.event', code: 'condition_event_unknown', message: 'No such event' });

    const ok = await client.request('POST', '/api/v1/conditions/validate', shanghai(inShanghai));
    expect(ok.body).toEqual({ valid: true, problems: [] });
  });

  it('refuses malformed and oversized trees with a clear 400', async () => {
    const { client } = await seeded();
    const malformed = await client.request('POST', '/api/v1/conditions/estimate', {
      tree: { type: 'and', conditions: [{ type: 'property' }] },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toMatchObject({
      code: 'condition_invalid',
      details: [{ path: 'conditions.0.property', code: 'condition_malformed' }],
    });
    const wrongType = await client.request('POST', '/api/v1/conditions/estimate', {
      tree: { type: 'and', conditions: [{ type: 'event', did: 'yes', event: 'purchase', time: { kind: 'today' } }] },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.body).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'tree.conditions.0.did', code: 'boolean.base' }],
    });
    const deep = {
      type: 'and',
      conditions: [
        { type: 'or', conditions: [{ type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'notEmpty' }] }] },
      ],
    };
    const tooDeep = await client.request('POST', '/api/v1/conditions/validate', { tree: deep });
    expect(tooDeep.body.problems).toEqual([
      { path: 'conditions.0.conditions.0', code: 'condition_nesting_too_deep', message: '条件最多支持两层嵌套' },
    ]);
    // A hostile 5,000-deep tree is answered, not recursed into.
    const hostile = `{"tree":${'{"type":"and","conditions":['.repeat(5000)}{"type":"property","property":"city","operator":"notEmpty"}${']}'.repeat(5000)}}`;
    const deepest = await client.request('POST', '/api/v1/conditions/estimate', hostile, { 'content-type': 'application/json' });
    expect(deepest.statusCode).toBe(400);
    expect(deepest.body.details).toEqual([
      { path: 'conditions.0.conditions.0', code: 'condition_nesting_too_deep', message: '条件最多支持两层嵌套' },
    ]);
    const many = Array.from({ length: 600 }, (_, i) => `城市${i}`);
    const huge = await client.request('POST', '/api/v1/conditions/estimate', {
      tree: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: many }] },
    });
    expect(huge.statusCode).toBe(400);
    expect(huge.body.details).toEqual([
      {
        path: 'conditions.0.values',
        code: 'condition_too_large',
        message: '条件过多或取值过长（最多 100 个条件，每个条件最多 500 个值）',
      },
    ]);
    // A request body over 256 KB is refused before it is parsed.
    const big = await client.request('POST', '/api/v1/conditions/validate', {
      tree: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['x'.repeat(300_000)] }] },
    });
    expect(big.statusCode).toBe(413);
  });

  it('documents the tree in the OpenAPI document, node fields and all', async () => {
    const doc = JSON.parse((await ctx.app.server.inject('/openapi.json')).payload);
    const schemas = doc.components.schemas;
    // hapi-swagger names arrays as models of their own: follow the references.
    const deref = (schema: { $ref?: string }) => (schema.$ref ? schemas[schema.$ref.split('/').pop()!] : schema);
    expect(deref(schemas.ConditionTree.properties.conditions).items.$ref).toBe('#/components/schemas/ConditionNode');
    expect(Object.keys(schemas.ConditionNode.properties)).toEqual(
      expect.arrayContaining([
        'type',
        'property',
        'operator',
        'values',
        'range',
        'did',
        'event',
        'time',
        'filters',
        'measure',
        'groupId',
        'tagId',
        'conditions',
      ]),
    );
    expect(deref(schemas.ConditionNode.properties.conditions).items.$ref).toBe('#/components/schemas/ConditionNodeInner');
  });

  it('lists the catalogue the condition builder offers', async () => {
    const { client } = await seeded();
    const res = await client.request('GET', '/api/v1/conditions/catalogue');
    expect(res.statusCode).toBe(200);
    expect(res.body.timeZone).toBe('Asia/Shanghai');
    const keys = res.body.contactProperties.map((p: { key: string }) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['province', 'birthday', 'createdAt', 'attr21', 'dynamic:birthday']));
    expect(res.body.contactProperties.find((p: { key: string }) => p.key === 'createdAt')).toMatchObject({
      type: 'time',
      timeType: 'datetime',
    });
    expect(res.body.events).toEqual([
      { code: 'purchase', name: 'purchase', properties: [{ key: 'amount', name: 'amount', type: 'number', source: 'custom' }] },
    ]);
    expect(res.body.groups).toEqual([]);
  });

  it('reads the metadata source once one is set: per-event properties, virtual events, lookups', async () => {
    const { tenant, client } = await seeded();
    const olap = ctx.app.olap.forTenant(tenant.tenantId);
    await olap.declare({
      ...declaration,
      dimensions: [
        {
          id: '31',
          fields: [
            { id: '311', type: 'string' },
            { id: '312', type: 'string' },
          ],
        },
      ],
    });
    await olap.writeDimensionRows('31', [{ '311': '上海', '312': '华东' }]);
    const metadata: TenantMetadata = {
      timeZone: 'Asia/Shanghai',
      contactFields: [{ key: 'attr1', columnId: '21', name: '等级', type: 'integer', anniversary: false }],
      events: [{ code: 'purchase', name: '购买', properties: ['amount'] }],
      eventProperties: [{ code: 'amount', columnId: '11', name: '金额', type: 'number', source: 'custom' }],
      virtualEvents: [
        {
          key: 'virtual:7',
          name: '大额购买',
          members: [{ event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: [50] }] }],
        },
      ],
      lookups: [
        {
          kind: 'dimension',
          dimensionId: '31',
          name: '省份维表',
          target: 'contact',
          property: 'province',
          keyFieldId: '311',
          fields: [
            { id: '311', code: 'name', name: '省份', type: 'string' },
            { id: '312', code: 'region', name: '大区', type: 'string' },
          ],
        },
        // Not declared in the analytics store (yet): left out rather than refused by the SQL guard.
        {
          kind: 'dictionary',
          dimensionId: '99',
          name: '未声明',
          target: 'contact',
          property: 'city',
          keyFieldId: '991',
          fields: [
            { id: '991', code: 'value', name: '值', type: 'string' },
            { id: '992', code: 'label', name: '标签', type: 'string' },
          ],
        },
      ],
    };
    const contributions = ctx.app.kernel.contributions;
    contributions.metadataSource = { pluginId: 'metadata', definition: { describe: () => Promise.resolve(metadata) } };
    try {
      const res = await client.request('GET', '/api/v1/conditions/catalogue');
      expect(res.statusCode).toBe(200);
      const province = res.body.contactProperties.find((p: { key: string }) => p.key === 'province');
      expect(province.lookups).toEqual([
        {
          key: 'province.region',
          name: '省份 · 大区',
          type: 'string',
          source: 'system',
          lookup: { kind: 'dimension', dimensionId: '31', name: '省份维表' },
        },
      ]);
      expect(res.body.contactProperties.find((p: { key: string }) => p.key === 'city').lookups).toBeUndefined();
      expect(res.body.contactProperties.map((p: { key: string }) => p.key)).toContain('attr1');
      expect(res.body.contactProperties.map((p: { key: string }) => p.key)).not.toContain('attr21');
      expect(res.body.events).toEqual([
        { code: 'purchase', name: '购买', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
        {
          code: 'virtual:7',
          name: '大额购买',
          virtual: true,
          properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }],
        },
      ]);
      const estimate = await client.request('POST', '/api/v1/conditions/estimate', {
        tree: {
          type: 'and',
          conditions: [
            { type: 'event', did: true, event: 'virtual:7', time: { kind: 'past', days: 7, includeToday: true } },
            { type: 'property', property: 'province.region', operator: 'eq', values: ['华东'] },
          ],
        },
      });
      expect(estimate.statusCode).toBe(200);
      expect(estimate.body.count).toBe(1);
    } finally {
      contributions.metadataSource = undefined;
    }
  });

  it('flags the contact properties of a field masked for the caller: its lookups and dynamic date too (ADR 0069)', async () => {
    const { tenant, client } = await seeded();
    await ctx.app.olap.forTenant(tenant.tenantId).declare({
      ...declaration,
      dimensions: [
        {
          id: '31',
          fields: [
            { id: '311', type: 'string' },
            { id: '312', type: 'string' },
          ],
        },
      ],
    });
    const metadata: TenantMetadata = {
      timeZone: 'Asia/Shanghai',
      contactFields: [{ key: 'attr1', columnId: '21', name: '等级', type: 'integer', anniversary: false }],
      events: [{ code: 'purchase', name: '购买', properties: ['amount'] }],
      eventProperties: [{ code: 'amount', columnId: '11', name: '金额', type: 'number', source: 'custom' }],
      virtualEvents: [],
      lookups: [
        {
          kind: 'dimension',
          dimensionId: '31',
          name: '省份维表',
          target: 'contact',
          property: 'province',
          keyFieldId: '311',
          fields: [
            { id: '311', code: 'name', name: '省份', type: 'string' },
            { id: '312', code: 'region', name: '大区', type: 'string' },
          ],
        },
      ],
    };
    const contributions = ctx.app.kernel.contributions;
    contributions.metadataSource = { pluginId: 'metadata', definition: { describe: () => Promise.resolve(metadata) } };
    try {
      // System fields: the custom field of this metadata is not one of the metadata module's.
      for (const key of ['state', 'birthday']) {
        const res = await client.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      }
      const flagged = async (asker: { request: Client['request'] }) => {
        const res = await asker.request('GET', '/api/v1/conditions/catalogue');
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        const properties = res.body.contactProperties as {
          key: string;
          masked?: boolean;
          lookups?: { key: string; masked?: boolean }[];
        }[];
        expect(JSON.stringify(res.body.events)).not.toContain('masked');
        return properties
          .flatMap((p) => [p, ...(p.lookups ?? [])])
          .filter((p) => p.masked !== undefined)
          .map((p) => `${p.key}=${String(p.masked)}`)
          .sort();
      };
      const masked = roleHolder(ctx.app, tenant.tenantId, ['contacts.view']);
      expect(await flagged(masked)).toEqual(['birthday=true', 'dynamic:birthday=true', 'province.region=true', 'province=true']);
      // 联系人不脱敏 and super staff see every field: nothing is flagged.
      expect(await flagged(roleHolder(ctx.app, tenant.tenantId, ['contacts.view', 'contacts.unmasked']))).toEqual([]);
      expect(await flagged(client)).toEqual([]);
    } finally {
      contributions.metadataSource = undefined;
    }
  });

  it('answers only signed-in staff: 401 without a session, 403 to an Open API token', async () => {
    const { client } = await seeded();
    const anonymous = await new Client(ctx.app.server).request('POST', '/api/v1/conditions/estimate', shanghai(inShanghai));
    expect(anonymous.statusCode).toBe(401);
    const { app, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'crm' })).body;
    const issued = await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', { appKey: app.appKey, appSecret });
    const bearer = Client.app(ctx.app.server, issued.body.accessToken);
    const refused = await bearer.request('POST', '/api/v1/conditions/estimate', shanghai(inShanghai));
    expect(refused.statusCode).toBe(403);
    expect(refused.body.code).toBe('console_only_route');
  });
});
