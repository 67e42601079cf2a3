import type { ChannelTypeDefinition } from '@huiliu/core/plugin-api';

/**
 * 金数据 (seed §1.10.9.2.1, §1.5.1.6.2): form pushes become 提交表单 events; 表单映射 maps form
 * fields to contact fields. Jinshuju has no user ID of its own in seed §1.4.11: a submitter is
 * matched to a contact through the mapped fields (mobile, email…), so it owns no user-ID type.
 */
export const jinshujuChannel: ChannelTypeDefinition = {
  type: 'jinshuju',
  name: { 'zh-CN': '金数据', 'en-US': 'Jinshuju' },
  description: {
    'zh-CN': '接收金数据表单推送，记录提交表单事件，并按表单映射更新联系人字段',
    'en-US': 'Receives Jinshuju form pushes, records form submissions and maps form fields to contact fields',
  },
  userIdTypes: [],
  // Third-party connectors have fixed event types (seed §2.1.2).
  customEvents: false,
};
