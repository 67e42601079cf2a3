import SwaggerParser from '@apidevtools/swagger-parser';
import { expect, it } from 'vitest';
import { firstPartyPlugins } from './support/plugins.js';
import { describeEngines } from './support/test-app.js';

interface Operation {
  method: string;
  path: string;
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: any }> }>;
  requestBody?: { content?: Record<string, { schema?: any }> };
}

function operationsOf(doc: any): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
  );
}

/** A name we gave (`.label('Channel')`), not one hapi-swagger made up (`Model12`, or a property key such as `items`). */
const isGivenName = (name: string) => /^[A-Z][A-Za-z0-9]*$/.test(name) && !/^Model\d+$/.test(name);
/** Both languages: Chinese, then ` / `, then English. */
const bilingual = /[\u4e00-\u9fff].* \/ .*[A-Za-z]/;

describeEngines(
  'OpenAPI documents',
  (ctx) => {
    const fetchJson = async (url: string) => {
      const res = await ctx.app.server.inject(url);
      expect(res.statusCode, url).toBe(200);
      return JSON.parse(res.payload);
    };

    it('serves a valid OpenAPI 3.0 document at /openapi.json besides the Swagger 2 one', async () => {
      const openapi = await fetchJson('/openapi.json');
      expect(openapi.openapi).toMatch(/^3\.0\./);
      expect(openapi.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      await expect(SwaggerParser.validate(structuredClone(openapi))).resolves.toBeTruthy();
      const swagger = await fetchJson('/swagger.json');
      expect(swagger.swagger).toBe('2.0');
      await expect(SwaggerParser.validate(structuredClone(swagger))).resolves.toBeTruthy();
      expect(Object.keys(openapi.paths).sort()).toEqual(Object.keys(swagger.paths).sort());
    });

    it('groups the operations under one tag per module and plugin, described in both languages', async () => {
      const doc = await fetchJson('/openapi.json');
      // The owners of the routes, as the kernel tags them when it mounts them.
      const owners = new Set(
        ctx.app.server.table().flatMap((route) => (route.settings.tags ?? []).filter((tag) => /^(module|plugin):/.test(tag))),
      );
      expect([...owners]).toEqual(
        expect.arrayContaining(['module:channels', 'module:staff', 'module:apps', 'module:tasks', 'plugin:custom-channel']),
      );
      const tags = new Map<string, string>(
        doc.tags.map((tag: { name: string; description: string }) => [tag.name, tag.description]),
      );
      for (const owner of owners) {
        expect(tags.get(owner), owner).toMatch(bilingual);
      }
      expect(tags.get('module:channels')).toBe('连接 / Connections');
      expect(tags.get('plugin:custom-channel')).toBe('自定义渠道 / Custom channel');

      const used = new Set<string>();
      for (const operation of operationsOf(doc)) {
        const where = `${operation.method} ${operation.path}`;
        expect(operation.tags, where).toHaveLength(1);
        expect(tags.has(operation.tags![0]!), where).toBe(true);
        used.add(operation.tags![0]!);
        if (operation.path.startsWith('/api/')) expect(operation.tags![0], where).toMatch(/^(module|plugin):/);
      }
      // No tag without operations.
      expect([...tags.keys()].sort()).toEqual([...used].sort());
    });

    it('names every response and request body schema, and every object schema they use', async () => {
      const doc = await fetchJson('/openapi.json');
      const schemas = doc.components.schemas as Record<string, any>;
      const refName = (schema: any): string | undefined =>
        typeof schema?.$ref === 'string' ? decodeURIComponent(schema.$ref.replace('#/components/schemas/', '')) : undefined;

      const problems: string[] = [];
      const seen = new Set<string>();
      const children = (schema: any): any[] => [
        ...Object.values(schema?.properties ?? {}),
        ...(schema?.items ? [schema.items] : []),
        ...['allOf', 'anyOf', 'oneOf'].flatMap((key) => schema?.[key] ?? []),
      ];
      const visit = (schema: any, where: string): void => {
        if (!schema || typeof schema !== 'object') return;
        const name = refName(schema);
        if (name === undefined) {
          // Maps (`Joi.object().pattern(Joi.string(), …)`) stay inline: hapi-swagger renders them as
          // one property named after the key type.
          const isMap = Object.keys(schema.properties ?? {}).join() === 'string';
          if (schema.type === 'object' && !isMap) problems.push(`${where}: inline object schema`);
          for (const child of children(schema)) visit(child, where);
          return;
        }
        if (/^Model\d+$/.test(name)) problems.push(`${where}: unnamed schema ${name}`);
        if (seen.has(name)) return;
        seen.add(name);
        const target = schemas[name];
        if (target?.type === 'object' && !isGivenName(name)) problems.push(`${where}: object schema named "${name}"`);
        for (const child of children(target)) visit(child, `${where} → ${name}`);
      };

      let named = 0;
      for (const operation of operationsOf(doc)) {
        const where = `${operation.method} ${operation.path}`;
        const bodies = [
          ...Object.entries(operation.responses).map(([status, response]) => [`${where} ${status}`, response.content] as const),
          [`${where} request body`, operation.requestBody?.content] as const,
        ];
        for (const [label, content] of bodies) {
          const schema = content?.['application/json']?.schema;
          // Routes without a declared schema (204s, file downloads) get hapi-swagger's placeholder string.
          if (!schema || (schema.type === 'string' && !schema.$ref)) continue;
          const name = refName(schema);
          if (name === undefined || !isGivenName(name))
            problems.push(`${label}: top-level schema not named (${name ?? 'inline'})`);
          else named += 1;
          visit(schema, label);
        }
      }
      expect(problems).toEqual([]);
      expect(named).toBeGreaterThan(30);
      // Nothing anywhere fell back to a made-up ModelN name.
      expect(Object.keys(schemas).filter((name) => /^Model\d+$/.test(name))).toEqual([]);
    });

    it('describes every operation in Chinese and English', async () => {
      const doc = await fetchJson('/openapi.json');
      const missing = operationsOf(doc)
        .filter((operation) => !bilingual.test(operation.summary ?? ''))
        .map((operation) => `${operation.method} ${operation.path}: ${operation.summary ?? '(none)'}`);
      expect(missing).toEqual([]);
    });
  },
  { plugins: firstPartyPlugins },
);
