import type { LocalizedText } from '../kernel/contributions.js';

/** An OpenAPI tag: one per module or plugin with routes, described in both languages. */
export interface ApiTag {
  name: string;
  description: string;
}

/** The tag of the server's own routes (`/health`, `/ready`). */
export const healthTag: ApiTag = { name: 'health', description: '健康检查 / Health and readiness' };

/** `连接 / Connections`: the reference is read by Chinese and English speakers alike. */
export function apiTagOf(owner: { name: string; title: LocalizedText | undefined }): ApiTag {
  const id = owner.name.replace(/^(module|plugin):/, '');
  const title = owner.title ?? { 'zh-CN': `插件 ${id}`, 'en-US': `Plugin ${id}` };
  return { name: owner.name, description: `${title['zh-CN']} / ${title['en-US']}` };
}

/** Only these tags group operations; `api` (which marks a documented route) does not. */
export function isGroupTag(tag: string): boolean {
  return tag !== 'api';
}

const bearerDescription = 'Bearer <accessToken> from POST /api/v1/auth/token';

/** hapi-swagger's settings shared by the Swagger 2 document (and its UI) and the OpenAPI 3 one. */
export function openApiSettings(version: string, tags: readonly ApiTag[]) {
  return {
    info: { title: 'Huiliu API', version, description: 'Console and Open API of Huiliu (汇流)' },
    grouping: 'tags',
    tagsGroupingFilter: isGroupTag,
    tags: [...tags],
    sortTags: 'unsorted',
  } as const;
}

/**
 * The OpenAPI 3.0 document at `/openapi.json`, made by hapi-swagger itself (`OAS: 'v3.0'`, a second
 * registration without UI). `/swagger.json` (Swagger 2) and the `/documentation` UI stay as they are.
 */
export function openApi3Options(version: string, tags: readonly ApiTag[]) {
  return {
    ...openApiSettings(version, tags),
    OAS: 'v3.0',
    jsonPath: '/openapi.json',
    documentationPage: false,
    swaggerUI: false,
    securityDefinitions: { bearer: { type: 'http', scheme: 'bearer', description: bearerDescription } },
    security: [{ bearer: [] }],
  };
}

/** The Swagger 2 `securityDefinitions` (Swagger 2 has no `http` bearer scheme). */
export const swagger2Security = {
  securityDefinitions: {
    bearer: { type: 'apiKey', name: 'Authorization', in: 'header', description: bearerDescription },
  },
  security: [{ bearer: [] }],
};
