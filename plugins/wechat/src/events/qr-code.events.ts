import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import {
  isNewFollower,
  qrCodeCampaign,
  qrCodeId,
  qrCodeKeyword,
  qrCodeScene,
  qrCodeSource,
  qrCodeType,
} from './wechat.properties.js';

/**
 * 扫描二维码 (seed §1.8.2, §1.10.9.4.1 `s_qrCodeType`): WeChat's `SCAN` push, and `subscribe`
 * with a `qrscene_` key when the scan made the contact follow. The keyword, source and campaign are
 * the QR code's UTM values set in Huiliu when it was created.
 */
export const qrCodeEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_scan_qrcode',
    name: { 'zh-CN': '扫描二维码', 'en-US': 'Scan QR code' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [qrCodeId, qrCodeType, qrCodeScene, qrCodeKeyword, qrCodeSource, qrCodeCampaign, isNewFollower],
  },
];
