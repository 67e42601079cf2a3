import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { propertyTypes } from '../../kernel/contributions.js';
import { InputError } from '../../server/errors.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, idParams, localizedText, shortText } from '../../server/schemas.js';
import { eventFilterSchema } from '../conditions/condition.schema.js';
import type { MetadataService } from './metadata.service.js';
import {
  contactFieldTypes,
  customPropertyTypes,
  DESCRIPTION_MAX,
  metadataLimits,
  NAME_MAX,
  sdkKinds,
  type ContactFieldType,
  type CustomEventChange,
  type CustomPropertyType,
  type NewCustomEvent,
  type VirtualEventInput,
} from './metadata.types.js';

const localized = localizedText();

const contactFieldSchema = Joi.object({
  id: Joi.string().required(),
  key: Joi.string().required().description('attr<n>: the name identify calls use (§2.1.3)'),
  name: Joi.string().required(),
  type: Joi.string()
    .valid(...contactFieldTypes)
    .label('ContactFieldType')
    .required(),
  position: Joi.number().integer().required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('ContactField');

const eventPropertySchema = Joi.object({
  id: Joi.string().required(),
  code: Joi.string().required(),
  name: Joi.string().required(),
  names: localized.required(),
  type: Joi.string()
    .valid(...propertyTypes)
    .label('PropertyType')
    .required(),
  source: Joi.string().valid('system', 'sdk', 'custom').label('PropertySource').required(),
  collectedBy: Joi.array()
    .items(
      Joi.string()
        .valid(...sdkKinds)
        .label('SdkKind'),
    )
    .label('SdkKinds'),
  description: localized,
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('EventProperty');

const eventTypeSchema = Joi.object({
  id: Joi.string().allow(null).required(),
  code: Joi.string().required(),
  name: Joi.string().required(),
  names: localized.required(),
  source: Joi.string().valid('system', 'custom').label('EventTypeSource').required(),
  channelType: Joi.string().allow('').required(),
  channelId: Joi.string().allow(null).required(),
  parentCode: Joi.string().allow(null).required(),
  direction: Joi.string().valid('inbound', 'outbound').label('EventDirection').required(),
  description: Joi.string().allow(null).required(),
  properties: Joi.array()
    .items(
      Joi.object({
        code: Joi.string().required(),
        name: Joi.string().required(),
        type: Joi.string().required(),
        source: Joi.string().required(),
      }).label('EventTypeProperty'),
    )
    .label('EventTypeProperties')
    .required(),
  sdk: Joi.boolean().required(),
  subEvents: Joi.array()
    .items(Joi.object({ code: Joi.string().required(), name: Joi.string().required() }).label('SubEvent'))
    .label('SubEvents')
    .required(),
  createdAt: epochMs().allow(null).required(),
  updatedAt: epochMs().allow(null).required(),
}).label('EventType');

const virtualEventSchema = Joi.object({
  id: Joi.string().required(),
  key: Joi.string().required(),
  name: Joi.string().required(),
  description: Joi.string().allow(null).required(),
  members: Joi.array().items(Joi.object().unknown(true).label('VirtualEventMember')).label('VirtualEventMembers').required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('VirtualEvent');

const items = (schema: Joi.Schema, label: string) =>
  Joi.object({ items: Joi.array().items(schema).label(`${label}Items`).required() }).label(label);

/** An identifier as typed: checked by the service (legal variable name, case conflicts) for a clear code. */
const code = Joi.string().max(64);
const propertyInput = Joi.object({
  code: code.required(),
  name: shortText(NAME_MAX),
  type: Joi.string()
    .valid(...customPropertyTypes)
    .label('CustomPropertyType'),
}).label('EventPropertyInput');
const propertyList = Joi.array().items(propertyInput).max(metadataLimits.eventProperties).label('EventPropertyInputs');
const subEvent = Joi.object({ code: code.required(), name: shortText(NAME_MAX).required(), properties: propertyList }).label(
  'SubEventInput',
);
const description = Joi.string().max(DESCRIPTION_MAX).allow('', null);

const virtualEventInput = Joi.object<VirtualEventInput>({
  name: shortText(NAME_MAX).required(),
  description,
  members: Joi.array()
    .items(
      Joi.object({
        event: Joi.string().max(128).required(),
        filters: Joi.array().items(eventFilterSchema).max(20).label('VirtualEventMemberFilters'),
        filterOp: Joi.string().valid('and', 'or').label('VirtualEventMemberFilterOp'),
      }).label('VirtualEventMemberInput'),
    )
    .min(1)
    .max(metadataLimits.virtualEventMembers)
    .label('VirtualEventMemberInputs')
    .required(),
}).label('VirtualEventInput');

const fieldParams = idParams('fieldId');
const propertyParams = idParams('propertyId');
const eventParams = idParams('eventTypeId');
const virtualParams = idParams('virtualEventId');
const staffIdOf = (request: Parameters<typeof principalOf>[0]) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};
const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId;

/** 元数据管理 (§1.10): view = 元数据-查看 (every role); changes = 元数据-管理. */
export function metadataRoutes(metadata: MetadataService): PluginRoute[] {
  return [
    // ---- contact custom fields ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/contact-fields',
      access: { permission: 'metadata.view', callers: 'any' },
      options: {
        description: '自定义字段列表 / Contact custom fields in their order (§1.10.7; §2.1.4 获取联系人自定义字段)',
        response: { schema: items(contactFieldSchema, 'ContactFieldList') },
      },
      handler: async (request) => ({ items: await metadata.contactFields(tenantOf(request)) }),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/contact-fields',
      access: { permission: 'metadata.manage' },
      options: {
        description: '创建自定义字段 / Create a contact custom field; its type never changes and it cannot be deleted',
        validate: {
          payload: Joi.object<{ name: string; type: ContactFieldType }>({
            name: shortText(NAME_MAX).required(),
            type: Joi.string()
              .valid(...contactFieldTypes)
              .required(),
          }).label('NewContactField'),
        },
        response: { status: { 201: contactFieldSchema } },
      },
      handler: async (request, h) => h.response(await metadata.createContactField(tenantOf(request), request.payload)).code(201),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/metadata/contact-fields/{fieldId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '修改自定义字段名 / Rename a custom field (its type is immutable)',
        validate: {
          params: fieldParams,
          payload: Joi.object<{ name?: string; type?: string }>({ name: shortText(NAME_MAX), type: Joi.string().max(16) }).label(
            'ContactFieldChange',
          ),
        },
        response: { schema: contactFieldSchema },
      },
      handler: (request) => metadata.updateContactField(tenantOf(request), request.params.fieldId, request.payload),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/contact-fields/{fieldId}/move',
      access: { permission: 'metadata.manage' },
      options: {
        description: '上移 / 下移 / Move a custom field up or down; answers the whole list',
        validate: {
          params: fieldParams,
          payload: Joi.object<{ direction: 'up' | 'down' }>({
            direction: Joi.string().valid('up', 'down').label('MoveDirection').required(),
          }).label('ContactFieldMove'),
        },
        response: { schema: items(contactFieldSchema, 'ContactFieldList') },
      },
      handler: async (request) => ({
        items: await metadata.moveContactField(tenantOf(request), request.params.fieldId, request.payload.direction),
      }),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/contact-fields/{fieldId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '自定义字段不可删除 / Always refused: custom fields cannot be deleted (§1.10.7.1.1)',
        validate: { params: fieldParams },
      },
      handler: async (request) => {
        await metadata.updateContactField(tenantOf(request), request.params.fieldId, {});
        throw new InputError('metadata_contact_field_undeletable', {}, [
          { path: 'id', code: 'metadata_contact_field_undeletable' },
        ]);
      },
    }),

    // ---- event properties ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/event-properties',
      access: { permission: 'metadata.view', callers: 'any' },
      options: {
        description: '事件属性列表 / Event properties: system preset (s_), SDK preset ($, §1.10.8.2) and custom',
        validate: {
          query: Joi.object({
            source: Joi.string().valid('system', 'sdk', 'custom'),
            type: Joi.string().valid(...propertyTypes),
          }),
        },
        response: { schema: items(eventPropertySchema, 'EventPropertyList') },
      },
      handler: async (request) => ({
        items: await metadata.eventProperties(tenantOf(request), request.query as { source?: 'custom' }),
      }),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/event-properties',
      access: { permission: 'metadata.manage', callers: 'any' },
      options: {
        description: '添加自定义属性 / Create a custom event property (§1.10.8.3.1): a typed column at once',
        validate: {
          payload: Joi.object<{ code: string; name: string; type: CustomPropertyType }>({
            code: code.required(),
            name: shortText(NAME_MAX).required(),
            type: Joi.string()
              .valid(...customPropertyTypes)
              .label('CustomPropertyType')
              .required(),
          }).label('NewEventProperty'),
        },
        response: { status: { 201: eventPropertySchema } },
      },
      handler: async (request, h) =>
        h.response(await metadata.createEventProperty(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/metadata/event-properties/{propertyId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '更改自定义属性 / Change a custom property’s display name (ID and type are immutable)',
        validate: {
          params: propertyParams,
          payload: Joi.object({ name: shortText(NAME_MAX), code, type: Joi.string().max(16) }).label('EventPropertyChange'),
        },
        response: { schema: eventPropertySchema },
      },
      handler: (request) =>
        metadata.updateEventProperty(tenantOf(request), request.params.propertyId, request.payload as { name?: string }),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/event-properties/{propertyId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '删除自定义属性 / Delete a custom property no event has carried yet (§1.10.8.3.3)',
        validate: { params: propertyParams },
      },
      handler: async (request, h) => {
        await metadata.deleteEventProperty(tenantOf(request), request.params.propertyId);
        return h.response().code(204);
      },
    }),

    // ---- event types ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/event-types',
      access: { permission: 'metadata.view', callers: 'any' },
      options: {
        description: '事件类型列表 / System preset and custom event types (§1.10.9; §2.1.4 获取系统/自定义事件类型)',
        validate: {
          query: Joi.object({
            source: Joi.string().valid('system', 'custom'),
            channelType: Joi.string().max(64),
            channelId: Joi.string().max(20),
          }),
        },
        response: { schema: items(eventTypeSchema, 'EventTypeList') },
      },
      handler: async (request) => ({ items: await metadata.eventTypes(tenantOf(request), request.query as object) }),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/event-types/{eventTypeId}',
      access: { permission: 'metadata.view', callers: 'any' },
      options: {
        description: '自定义事件详情 / One custom event with its sub-events and extended properties',
        validate: { params: eventParams },
        response: { schema: eventTypeSchema },
      },
      handler: (request) => metadata.eventType(tenantOf(request), request.params.eventTypeId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/event-types',
      access: { permission: 'metadata.manage', callers: 'any' },
      options: {
        description:
          '创建自定义事件 / Create a custom event of a custom or mini-program channel (§1.10.9.4.1; §2.1.4 创建自定义事件类型)',
        notes: 'New custom properties may be created inline (code, name, type); existing ones are named by code.',
        validate: {
          payload: Joi.object<NewCustomEvent>({
            channelId: Joi.string()
              .pattern(/^[1-9][0-9]{0,18}$/)
              .required(),
            code: code.required(),
            name: shortText(NAME_MAX).required(),
            description,
            properties: propertyList,
            subEvents: Joi.array().items(subEvent).max(metadataLimits.subEvents).label('SubEventInputs'),
          }).label('NewCustomEvent'),
        },
        response: { status: { 201: eventTypeSchema } },
      },
      handler: async (request, h) =>
        h.response(await metadata.createCustomEvent(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/metadata/event-types/{eventTypeId}',
      access: { permission: 'metadata.manage' },
      options: {
        description:
          '更改自定义事件 / Change a custom event: display name; sub-events and extended properties are add only (send the whole wanted list)',
        validate: {
          params: eventParams,
          payload: Joi.object<CustomEventChange & { code?: string; channelId?: string }>({
            name: shortText(NAME_MAX),
            description,
            code,
            channelId: Joi.string().max(20),
            properties: propertyList,
            subEvents: Joi.array().items(subEvent).max(metadataLimits.subEvents).label('SubEventInputs'),
          }).label('CustomEventChange'),
        },
        response: { schema: eventTypeSchema },
      },
      handler: (request) =>
        metadata.updateCustomEvent(tenantOf(request), request.params.eventTypeId, request.payload, staffIdOf(request)),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/event-types/{eventTypeId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '删除自定义事件 / Delete a custom event no data has arrived for (§1.10.9.4.3)',
        validate: { params: eventParams },
      },
      handler: async (request, h) => {
        await metadata.deleteCustomEvent(tenantOf(request), request.params.eventTypeId);
        return h.response().code(204);
      },
    }),

    // ---- virtual events ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/virtual-events',
      access: { permission: 'metadata.view' },
      options: {
        description: '虚拟事件列表 / Virtual events (§1.10.10)',
        response: { schema: items(virtualEventSchema, 'VirtualEventList') },
      },
      handler: async (request) => ({ items: await metadata.virtualEvents(tenantOf(request)) }),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/virtual-events/{virtualEventId}',
      access: { permission: 'metadata.view' },
      options: {
        description: '虚拟事件 / One virtual event',
        validate: { params: virtualParams },
        response: { schema: virtualEventSchema },
      },
      handler: (request) => metadata.virtualEvent(tenantOf(request), request.params.virtualEventId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/virtual-events',
      access: { permission: 'metadata.manage' },
      options: {
        description: '新建虚拟事件 / Create a virtual event: a union of events, each with optional property filters',
        validate: { payload: virtualEventInput },
        response: { status: { 201: virtualEventSchema } },
      },
      handler: async (request, h) =>
        h.response(await metadata.createVirtualEvent(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute({
      method: 'PUT',
      path: '/api/v1/metadata/virtual-events/{virtualEventId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '编辑虚拟事件 / Replace a virtual event’s name and members (editable at any time)',
        validate: { params: virtualParams, payload: virtualEventInput },
        response: { schema: virtualEventSchema },
      },
      handler: (request) => metadata.updateVirtualEvent(tenantOf(request), request.params.virtualEventId, request.payload),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/virtual-events/{virtualEventId}',
      access: { permission: 'metadata.manage' },
      options: { description: '删除虚拟事件 / Delete a virtual event (at any time)', validate: { params: virtualParams } },
      handler: async (request, h) => {
        await metadata.deleteVirtualEvent(tenantOf(request), request.params.virtualEventId);
        return h.response().code(204);
      },
    }),
  ];
}
