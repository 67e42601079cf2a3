// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, Button, ConfigProvider, Form } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import type { ChannelDetail, ChannelType, SettingsSchema } from '../../api/types';
import { changeLanguage } from '../../i18n';
import { ChannelSettingsCard } from '../../pages/connections/ChannelSettings';
import { stubFetch } from '../../test-utils/fetch';
import { SettingsFields } from './SettingsFields';
import { applySettingsErrors, createSettingsPayload, patchSettingsPayload, type SettingsValues } from './settings-values';

/** A third-party type's form as GET /api/v1/channel-types answers it (the Lumen shop fixture). */
const schema: SettingsSchema = {
  type: 'object',
  required: ['shopUrl', 'apiKey', 'apiSecret'],
  properties: {
    shopUrl: {
      type: 'string',
      format: 'uri',
      maxLength: 200,
      title: '店铺地址',
      'x-label': { 'zh-CN': '店铺地址', 'en-US': 'Shop URL' },
      'x-description': { 'zh-CN': '以 https:// 开头的店铺后台地址', 'en-US': 'The shop’s admin address' },
    },
    apiKey: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 64, 'x-label': { 'zh-CN': 'API Key', 'en-US': 'API key' } },
    apiSecret: {
      type: 'string',
      minLength: 8,
      writeOnly: true,
      'x-secret': true,
      'x-label': { 'zh-CN': 'API 密钥', 'en-US': 'API secret' },
    },
    webhookSigningKey: {
      type: 'string',
      minLength: 16,
      writeOnly: true,
      'x-secret': true,
      'x-label': { 'zh-CN': 'Webhook 签名密钥', 'en-US': 'Webhook signing key' },
    },
    region: { type: 'string', enum: ['cn-east', 'cn-south'], default: 'cn-east' },
    syncDays: { type: 'integer', minimum: 1, maximum: 90, default: 30, 'x-label': { 'zh-CN': '首次同步天数', 'en-US': 'Days' } },
    sandbox: { type: 'boolean', default: false, 'x-label': { 'zh-CN': '沙箱环境', 'en-US': 'Sandbox' } },
  },
};

const user = () => userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });

/** The renderer in a form of its own, as 创建连接 holds it (under `settings`). */
function renderForm(props: Partial<Parameters<typeof SettingsFields>[0]> = {}, initialValues?: SettingsValues) {
  const onFinish = vi.fn();
  let formRef: ReturnType<typeof Form.useForm>[0] | undefined;
  function Harness() {
    const [form] = Form.useForm();
    formRef = form;
    return (
      <ConfigProvider theme={{ token: { motion: false } }}>
        <Form form={form} layout="vertical" onFinish={onFinish} initialValues={initialValues}>
          <SettingsFields schema={schema} namePrefix={['settings']} {...props} />
          <Button htmlType="submit" data-testid="submit">
            submit
          </Button>
        </Form>
      </ConfigProvider>
    );
  }
  render(<Harness />);
  return { onFinish, form: () => formRef! };
}

afterEach(async () => {
  vi.unstubAllGlobals();
  await act(() => changeLanguage('zh-CN'));
});

describe('SettingsFields — a channel type’s settings form from JSON Schema', () => {
  it('renders each field by its type, with localized labels, help and defaults; secrets as password inputs', async () => {
    renderForm();
    expect(screen.getByText('店铺地址')).toBeTruthy();
    expect(screen.getByText('以 https:// 开头的店铺后台地址')).toBeTruthy();
    expect(screen.getByTestId('settings-field-shopUrl').getAttribute('type')).toBe('url');
    expect(screen.getByTestId('settings-field-apiSecret').getAttribute('type')).toBe('password');
    expect(screen.getByTestId('settings-field-webhookSigningKey').getAttribute('type')).toBe('password');
    expect(screen.getByTestId('settings-field-apiSecret').getAttribute('autocomplete')).toBe('new-password');
    // Defaults: the integer in a number input, the boolean as a switch, the enum as a select.
    expect((screen.getByTestId('settings-field-syncDays') as HTMLInputElement).value).toBe('30');
    expect(screen.getByTestId('settings-field-sandbox').getAttribute('role')).toBe('switch');
    expect(screen.getByTestId('settings-field-region').textContent).toContain('cn-east');
    // A field without a label shows its key.
    expect(screen.getByText('region')).toBeTruthy();

    await act(() => changeLanguage('en-US'));
    await waitFor(() => expect(screen.getByText('Shop URL')).toBeTruthy());
    expect(screen.getByText('API secret')).toBeTruthy();
  });

  it('checks required fields, URLs, patterns and lengths before anything is sent', async () => {
    const { onFinish } = renderForm();
    const u = user();
    await u.type(screen.getByTestId('settings-field-shopUrl'), 'not a url');
    await u.type(screen.getByTestId('settings-field-apiKey'), 'has space');
    await u.type(screen.getByTestId('settings-field-apiSecret'), 'short');
    await u.click(screen.getByTestId('submit'));
    await waitFor(() => expect(screen.getByText('请输入以 http:// 或 https:// 开头的网址')).toBeTruthy());
    await waitFor(() => expect(screen.getByText('API Key格式不正确')).toBeTruthy());
    await waitFor(() => expect(screen.getByText('API 密钥至少 8 个字符')).toBeTruthy());
    expect(onFinish).not.toHaveBeenCalled();

    await u.clear(screen.getByTestId('settings-field-apiSecret'));
    await u.click(screen.getByTestId('submit'));
    await waitFor(() => expect(screen.getByText('请填写API 密钥')).toBeTruthy());
  });

  it('shows a stored secret as 已设置, does not require it again, and can mark an optional one to be cleared', async () => {
    const onToggleClear = vi.fn();
    const { onFinish } = renderForm(
      { namePrefix: [], secretsSet: ['apiSecret', 'webhookSigningKey'], onToggleClear },
      { shopUrl: 'https://shop.lumen.example', apiKey: 'key_1' },
    );
    const secret = screen.getByTestId('settings-field-apiSecret') as HTMLInputElement;
    expect(secret.value).toBe('');
    expect(secret.getAttribute('placeholder')).toBe('已设置（留空则保持不变）');
    expect(screen.getByTestId('settings-field-apiSecret-set').textContent).toBe('已设置');
    // The required secret cannot be cleared, the optional one can.
    expect(screen.queryByTestId('settings-field-apiSecret-clear')).toBeNull();
    const u = user();
    await u.click(screen.getByTestId('settings-field-webhookSigningKey-clear'));
    expect(onToggleClear).toHaveBeenCalledWith('webhookSigningKey');
    await u.click(screen.getByTestId('submit'));
    await waitFor(() => expect(onFinish).toHaveBeenCalledTimes(1));
  });

  it('shows a field being cleared as such, disabled, with an undo', () => {
    renderForm({ namePrefix: [], secretsSet: ['webhookSigningKey'], cleared: ['webhookSigningKey'], onToggleClear: vi.fn() });
    expect((screen.getByTestId('settings-field-webhookSigningKey') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('settings-field-webhookSigningKey-clearing').textContent).toBe('保存后将清除已设置的值');
    expect(screen.getByTestId('settings-field-webhookSigningKey-clear').textContent).toBe('撤 销');
  });

  it('puts the server’s field errors (settings.<field>, joi codes) on the fields', async () => {
    const { form } = renderForm();
    const error = new ApiError({
      statusCode: 400,
      code: 'channel_settings_invalid',
      message: '连接设置填写有误',
      details: [
        { path: 'settings.shopUrl', code: 'string.uriCustomScheme' },
        { path: 'settings.apiSecret', code: 'string.min' },
      ],
    });
    act(() => {
      expect(applySettingsErrors(form(), error, ['settings'], (code) => `text:${code}`)).toBe(true);
    });
    await waitFor(() => expect(screen.getByText('text:string.uriCustomScheme')).toBeTruthy());
    expect(form().getFieldError(['settings', 'apiSecret'])).toEqual(['text:string.min']);
    expect(applySettingsErrors(form(), new ApiError({ statusCode: 409, code: 'x', message: 'x' }), ['settings'], String)).toBe(
      false,
    );
  });
});

describe('settings payloads', () => {
  it('creates with blank fields left out, and patches with null for a blank field, a typed or cleared secret only', () => {
    expect(
      createSettingsPayload(schema, {
        shopUrl: ' https://a.example ',
        apiKey: 'k',
        apiSecret: 's3cret-value',
        webhookSigningKey: '',
      }),
    ).toEqual({ shopUrl: 'https://a.example', apiKey: 'k', apiSecret: 's3cret-value' });
    expect(
      patchSettingsPayload(
        schema,
        { shopUrl: 'https://a.example', apiKey: '', apiSecret: '', webhookSigningKey: undefined, syncDays: 7 },
        ['webhookSigningKey'],
      ),
    ).toEqual({ shopUrl: 'https://a.example', apiKey: null, webhookSigningKey: '', region: null, syncDays: 7, sandbox: null });
    expect(patchSettingsPayload(schema, { apiSecret: 'new-secret-1' }).apiSecret).toBe('new-secret-1');
  });
});

describe('ChannelSettingsCard — 连接设置 on the channel page', () => {
  const channel: ChannelDetail = {
    id: '7',
    type: 'lumen',
    channelKey: 'shop0001',
    name: 'Lumen 旗舰店',
    status: 'active',
    typeAvailable: true,
    createdAt: 1,
    updatedAt: 1,
    deletable: true,
    deleteBlockedReason: null,
    settings: { shopUrl: 'https://shop.lumen.example', apiKey: 'key_1', region: 'cn-east', syncDays: 30, sandbox: false },
    secretsSet: ['apiSecret'],
  };
  const type = { type: 'lumen', settingsSchema: schema, testable: true } as ChannelType;

  function renderCard(reply: Parameters<typeof stubFetch>[0]) {
    const requests = stubFetch(reply);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <ChannelSettingsCard channel={channel} type={type} />
          </App>
        </ConfigProvider>
      </QueryClientProvider>,
    );
    return requests;
  }

  it('tests the form with its unsaved changes and shows the connector’s reason; saves without resending kept secrets', async () => {
    const requests = renderCard((request) =>
      request.url.endsWith('/test')
        ? { status: 200, body: { ok: false, code: 'lumen_shop_auth_failed', message: '店铺拒绝了 API Key key_2 的密钥' } }
        : { status: 200, body: { ...channel, settings: { ...channel.settings, apiKey: 'key_2' } } },
    );
    const u = user();
    expect((screen.getByTestId('settings-field-apiKey') as HTMLInputElement).value).toBe('key_1');
    await u.clear(screen.getByTestId('settings-field-apiKey'));
    await u.type(screen.getByTestId('settings-field-apiKey'), 'key_2');
    await u.click(screen.getByTestId('channel-settings-test'));
    await waitFor(() => expect(screen.getByTestId('channel-settings-test-result').getAttribute('data-ok')).toBe('false'));
    expect(screen.getByTestId('channel-settings-test-message').textContent).toBe('店铺拒绝了 API Key key_2 的密钥');
    const tested = requests.find((r) => r.url === '/api/v1/channels/7/test')!;
    expect(JSON.parse(String(tested.body))).toEqual({
      settings: { shopUrl: 'https://shop.lumen.example', apiKey: 'key_2', region: 'cn-east', syncDays: 30, sandbox: false },
    });

    await u.click(screen.getByTestId('channel-settings-save'));
    await waitFor(() => expect(requests.some((r) => r.url === '/api/v1/channels/7/settings')).toBe(true));
    const saved = requests.find((r) => r.url === '/api/v1/channels/7/settings')!;
    expect(saved.method).toBe('PATCH');
    expect(JSON.parse(String(saved.body)).settings).not.toHaveProperty('apiSecret');
    await waitFor(() => expect(screen.getByText('连接设置已保存')).toBeTruthy());
  });
});
