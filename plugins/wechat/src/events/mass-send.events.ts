import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import {
  massSendErrorCount,
  massSendFilterCount,
  massSendMsgId,
  massSendSentCount,
  massSendTotalCount,
  sendStatus,
} from './wechat.properties.js';

/**
 * 群发结果 (seed §1.8.1.2): WeChat's `MASSSENDJOBFINISH`, recorded on each contact the send
 * targeted. The counts describe the whole send, so they repeat on every event of one s_massSendMsgId:
 * report them per send (max / distinct), never summed across contacts.
 */
export const massSendEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_mass_send_result',
    name: { 'zh-CN': '群发结果', 'en-US': 'Mass send result' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [massSendMsgId, sendStatus, massSendTotalCount, massSendFilterCount, massSendSentCount, massSendErrorCount],
  },
];
