import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { epochMs, id, localizedText, tenantSchema } from '../../server/schemas.js';
import type { MaskingService } from '../masking/masking.service.js';
import { homeLimits, type HomeService } from './home.service.js';

const contactCounts = Joi.object({
  all: Joi.number().integer().required(),
  identified: Joi.number().integer().required(),
}).label('ContactCounts');

/** The chosen outbound event codes: the same schema in the answer and in the PUT payload. */
const outboundEvents = Joi.array()
  .items(Joi.string().max(128))
  .max(homeLimits.displayEventsMax)
  .label('HomeOutboundEvents')
  .description('outbound (主动) event codes the home timeline shows');

const displaySettingsSchema = Joi.object({
  outboundEvents: outboundEvents.required(),
  options: Joi.array()
    .items(Joi.object({ code: Joi.string().required(), names: localizedText().required() }).label('HomeOutboundEventOption'))
    .label('HomeOutboundEventOptions')
    .required(),
}).label('HomeDisplaySettings');

interface TimelineQuery {
  cursor?: string;
  limit: number;
}

export function homeRoutes(home: HomeService, masking: MaskingService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/home',
      access: { permission: 'home.view' },
      options: {
        description: '首页 / Home page (§1.2.3): version, tenant (with its expiry), contacts and usage numbers',
        response: {
          schema: Joi.object({
            version: Joi.string().required(),
            tenant: tenantSchema.required(),
            contacts: contactCounts.required(),
            counts: Joi.array()
              .items(Joi.object({ key: Joi.string().required(), value: Joi.number().required() }).label('HomeCount'))
              .label('HomeCounts')
              .required(),
          }).label('HomeSummary'),
        },
      },
      handler: (request) => home.summary(principalOf(request).tenantId),
    }),
    moduleRoute<unknown, TimelineQuery>({
      method: 'GET',
      path: '/api/v1/home/events',
      access: { permission: 'home.view' },
      options: {
        description:
          '首页时间轴 / The tenant’s recent events, newest first, a keyset page at a time: inbound events and the outbound ones chosen in 显示设置; contact names masked for the caller',
        validate: {
          query: Joi.object<TimelineQuery>({
            cursor: Joi.string().max(1024),
            limit: Joi.number().integer().min(1).max(homeLimits.timelineMax).default(homeLimits.timelineDefault),
          }),
        },
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({
                  event: Joi.string().required(),
                  eventNames: localizedText().required(),
                  eventTime: epochMs().required(),
                  direction: Joi.string().valid('inbound', 'outbound').label('HomeEventDirection').required(),
                  messageId: Joi.string().required(),
                  contactId: id().required(),
                  contactName: Joi.string().allow(null).required(),
                  channelId: id().allow(null).required(),
                }).label('HomeTimelineEvent'),
              )
              .label('HomeTimelineEvents')
              .required(),
            nextCursor: Joi.string().allow(null).required(),
          }).label('HomeTimelinePage'),
        },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const masker = await masking.forPrincipal(principal);
        return home.timeline(principal.tenantId, principal.kind === 'staff' ? principal.staffId : null, masker, request.query);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/home/display-settings',
      access: { permission: 'home.view' },
      options: {
        description:
          '首页显示设置 / The caller’s choice of outbound (主动) events on the home timeline, and the outbound events to choose from',
        response: { schema: displaySettingsSchema },
      },
      handler: (request) => {
        const staff = staffOf(request);
        return home.displaySettings(staff.tenantId, staff.staffId);
      },
    }),
    moduleRoute<unknown, unknown, { outboundEvents: string[] }>({
      method: 'PUT',
      path: '/api/v1/home/display-settings',
      access: { permission: 'home.view' },
      options: {
        description: '保存首页显示设置 / Saves the caller’s choice of outbound events on the home timeline (per staff member)',
        validate: { payload: Joi.object({ outboundEvents: outboundEvents.required() }).label('HomeDisplaySettingsInput') },
        response: { schema: displaySettingsSchema },
      },
      handler: (request) => {
        const staff = staffOf(request);
        return home.saveDisplaySettings(staff.tenantId, staff.staffId, request.payload.outboundEvents);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/usage',
      access: { permission: 'settings.usage' },
      options: {
        description:
          '使用情况 / Usage (§1.11.5): expiry, contacts, tracked users (TU) and events per tenant-local month (last 12 months)',
        response: {
          schema: Joi.object({
            timeZone: Joi.string().required(),
            expiresOn: Joi.string().allow(null).required(),
            contacts: contactCounts.required(),
            trackedUsers: Joi.number().integer().required(),
            events: Joi.object({
              total: Joi.number().integer().required(),
              months: Joi.array()
                .items(
                  Joi.object({ month: Joi.string().required(), events: Joi.number().integer().required() }).label('UsageMonth'),
                )
                .label('UsageMonths')
                .required(),
            })
              .label('UsageEvents')
              .required(),
          }).label('UsageSummary'),
        },
      },
      handler: (request) => home.usage(principalOf(request).tenantId),
    }),
  ];
}
