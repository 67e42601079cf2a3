import type { EventTypeDefinition, SystemPropertyDefinition } from '@huiliu/core/plugin-api';

/** The form (its token, e.g. `FBTWTe`): groups select 提交过此表单 by it (seed §1.5.1.6.2). */
export const formId: SystemPropertyDefinition = {
  id: 's_formId',
  name: { 'zh-CN': '表单 ID', 'en-US': 'Form ID' },
  type: 'string',
  description: { 'zh-CN': '金数据表单的 token，如 FBTWTe', 'en-US': 'The Jinshuju form token, e.g. FBTWTe' },
};

export const formName: SystemPropertyDefinition = {
  id: 's_formName',
  name: { 'zh-CN': '表单名称', 'en-US': 'Form name' },
  type: 'string',
};

/** The entry's number within its form (金数据 “序号”). */
export const entrySerialNumber: SystemPropertyDefinition = {
  id: 's_entrySerialNumber',
  name: { 'zh-CN': '数据序号', 'en-US': 'Entry serial number' },
  type: 'integer',
};

/** 提交表单 (seed §1.10.9.2.1, §1.5.1.6, §3.1.1): one form push, i.e. one entry. */
export const formEvents: EventTypeDefinition[] = [
  {
    code: 'jinshuju_submit_form',
    name: { 'zh-CN': '提交表单', 'en-US': 'Submit form' },
    channelType: 'jinshuju',
    direction: 'inbound',
    properties: [formId, formName, entrySerialNumber],
  },
];
