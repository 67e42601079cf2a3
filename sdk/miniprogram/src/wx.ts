/**
 * The part of the WeChat mini-program API the SDK uses (base library 2.x). Declared here so the SDK
 * has no dependency; the fake in test/ implements the same shapes.
 */
export interface WxRequestSuccess {
  /** Any HTTP status: WeChat calls `success` for 4xx and 5xx answers too. */
  statusCode: number;
  data: unknown;
  header?: Record<string, string>;
}

export interface WxRequestOptions {
  url: string;
  method?: 'GET' | 'POST';
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: 'json' | string;
  success?(result: WxRequestSuccess): void;
  /** Network failures only (no answer): `errMsg` like `request:fail timeout`. */
  fail?(error: { errMsg: string }): void;
}

export interface WxSystemInfo {
  brand?: string;
  model?: string;
  /** `iOS 17.4.1`, `Android 14`. */
  system?: string;
  /** `ios`, `android`, `devtools`, `windows`, `mac`. */
  platform?: string;
  version?: string;
  SDKVersion?: string;
}

/** `App.onLaunch` / `App.onShow` options and `wx.getLaunchOptionsSync()`. */
export interface WxLaunchOptions {
  scene?: number;
  path?: string;
  query?: Record<string, string | undefined>;
  referrerInfo?: { appId?: string };
}

export interface Wx {
  request(options: WxRequestOptions): unknown;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
  getSystemInfoSync?(): WxSystemInfo;
  getLaunchOptionsSync?(): WxLaunchOptions;
  getNetworkType?(options: { success?(result: { networkType: string }): void; fail?(error: unknown): void }): void;
  onNetworkStatusChange?(listener: (result: { isConnected: boolean; networkType: string }) => void): void;
}
