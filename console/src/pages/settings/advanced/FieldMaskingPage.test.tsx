// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { FieldMask, MobileEncryption } from '../../../api/masking';
import type { Session } from '../../../api/types';
import { MaskedValue } from '../../../components/MaskedValue';
import { changeLanguage } from '../../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import FieldMaskingPage from './FieldMaskingPage';

const field = (key: string, zh: string, en: string, extra: Partial<FieldMask> = {}): FieldMask => ({
  key,
  source: key.startsWith('attr') ? 'custom' : 'system',
  name: { 'zh-CN': zh, 'en-US': en },
  masked: false,
  updatedAt: null,
  updatedBy: null,
  ...extra,
});

const noEncryption: MobileEncryption = {
  enabled: false,
  publicKeyPem: null,
  keyBits: null,
  fingerprint: null,
  updatedAt: null,
  updatedBy: null,
};

const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK\n-----END PUBLIC KEY-----';

function server(
  state: { fields: FieldMask[]; encryption: MobileEncryption },
  own?: (request: FakeRequest) => FakeReply | undefined,
) {
  return (request: FakeRequest): FakeReply => {
    const answered = own?.(request);
    if (answered) return answered;
    const url = new URL(request.url, 'http://console');
    if (url.pathname === '/api/v1/contact-field-masks') return { status: 200, body: { items: state.fields } };
    const put = url.pathname.match(/^\/api\/v1\/contact-field-masks\/(\w+)$/);
    if (put && request.method === 'PUT') {
      const { masked } = JSON.parse(String(request.body)) as { masked: boolean };
      state.fields = state.fields.map((f) =>
        f.key === put[1] ? { ...f, masked, updatedAt: Date.UTC(2025, 5, 1), updatedBy: '1' } : f,
      );
      return { status: 200, body: state.fields.find((f) => f.key === put[1]) };
    }
    if (url.pathname === '/api/v1/mobile-encryption') {
      if (request.method === 'PUT') {
        const body = JSON.parse(String(request.body)) as { enabled: boolean; publicKeyPem: string | null };
        state.encryption = {
          enabled: body.enabled,
          publicKeyPem: body.publicKeyPem,
          keyBits: body.publicKeyPem ? 2048 : null,
          fingerprint: body.publicKeyPem ? 'ab'.repeat(32) : null,
          updatedAt: Date.UTC(2025, 5, 1),
          updatedBy: '1',
        };
      }
      return { status: 200, body: state.encryption };
    }
    return { status: 404 };
  };
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['masking.manage'],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/settings/advanced/field-masking']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <FieldMaskingPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const writes = (requests: FakeRequest[]) =>
  requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url} ${String(r.body)}`);

/** Opens a row's 加密 select and picks an option by its label. */
async function choose(user: ReturnType<typeof userEvent.setup>, key: string, label: string) {
  const row = screen.getByTestId(`field-mask-row-${key}`);
  await user.click(within(row).getByRole('combobox', { hidden: true }));
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const options = [...dropdowns].flatMap((dropdown) => [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')]);
  const option = options.find((candidate) => candidate.textContent === label);
  expect(option, `option ${label}`).toBeDefined();
  await user.click(option!);
}

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('FieldMaskingPage — 联系人字段加密', () => {
  it('lists every system and custom field unmasked, and masks or unmasks one through its 加密 select', async () => {
    const state = {
      fields: [
        field('name', '姓名', 'Name'),
        field('mobilePhone', '手机号码', 'Mobile phone'),
        field('attr1', '会员等级', '会员等级'),
      ],
      encryption: noEncryption,
    };
    const requests = stubFetch(server(state));
    const user = renderPage();

    const mobile = await screen.findByTestId('field-mask-row-mobilePhone');
    expect(within(mobile).getByTestId('field-mask-name').textContent).toBe('手机号码');
    expect(mobile.textContent).toContain('系统字段');
    expect(screen.getByTestId('field-mask-row-attr1').textContent).toContain('自定义字段');
    expect(screen.getByTestId('field-masks-count').getAttribute('data-count')).toBe('0');
    expect(within(mobile).getByTestId('field-mask-select-mobilePhone').getAttribute('data-value')).toBe('none');

    await choose(user, 'mobilePhone', '脱敏');
    await waitFor(() => expect(writes(requests)).toEqual(['PUT /api/v1/contact-field-masks/mobilePhone {"masked":true}']));
    expect(await screen.findByText('「手机号码」已设置为脱敏')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('field-masks-count').getAttribute('data-count')).toBe('1'));
    expect(screen.getByTestId('field-mask-select-mobilePhone').getAttribute('data-value')).toBe('masked');

    await choose(user, 'mobilePhone', '不加密');
    await waitFor(() => expect(writes(requests)).toHaveLength(2));
    expect(writes(requests)[1]).toBe('PUT /api/v1/contact-field-masks/mobilePhone {"masked":false}');
    expect(await screen.findByText('「手机号码」已设置为不加密')).toBeTruthy();
  });

  it('shows the server’s reason when a change is refused, and the list as the server has it', async () => {
    const state = { fields: [field('attr9', '旧字段', '旧字段')], encryption: noEncryption };
    stubFetch(
      server(state, (request) =>
        request.method === 'PUT'
          ? { status: 404, body: { statusCode: 404, code: 'masking_field_not_found', message: 'x', requestId: 'r' } }
          : undefined,
      ),
    );
    const user = renderPage();
    await screen.findByTestId('field-mask-row-attr9');
    await choose(user, 'attr9', '脱敏');
    expect(await screen.findByText('联系人字段不存在')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('field-mask-select-attr9').getAttribute('data-value')).toBe('none'));
  });

  it('RSA: asks for the public key before switching on, shows the server’s field error, then the saved key’s fingerprint', async () => {
    const state = { fields: [], encryption: noEncryption };
    let refuse = true;
    const requests = stubFetch(
      server(state, (request) => {
        if (request.method !== 'PUT' || !refuse) return undefined;
        refuse = false;
        return {
          status: 400,
          body: {
            statusCode: 400,
            code: 'masking_private_key_refused',
            message: 'x',
            details: [{ path: 'publicKeyPem', code: 'masking_private_key_refused' }],
            requestId: 'r',
          },
        };
      }),
    );
    const user = renderPage();
    await user.click(await screen.findByTestId('mobile-encryption-enabled'));
    await user.click(screen.getByTestId('mobile-encryption-save'));
    expect(await screen.findByText('开启时需要填写 RSA 公钥')).toBeTruthy();
    expect(writes(requests)).toEqual([]);

    await user.type(screen.getByTestId('mobile-encryption-key'), '-----BEGIN PRIVATE KEY-----');
    await user.click(screen.getByTestId('mobile-encryption-save'));
    expect(await screen.findByText('请只填写公钥：系统不保存私钥，也不解密手机号')).toBeTruthy();

    await user.clear(screen.getByTestId('mobile-encryption-key'));
    await user.type(screen.getByTestId('mobile-encryption-key'), PUBLIC_KEY);
    await user.click(screen.getByTestId('mobile-encryption-save'));
    expect(await screen.findByText('已开启手机号 RSA 加密')).toBeTruthy();
    expect(JSON.parse(String(requests.filter((r) => r.method === 'PUT').at(-1)!.body))).toEqual({
      enabled: true,
      publicKeyPem: PUBLIC_KEY,
    });
    expect((await screen.findByTestId('mobile-encryption-current')).textContent).toContain('ab'.repeat(32));
  });

  it('speaks English', async () => {
    await changeLanguage('en-US');
    stubFetch(server({ fields: [field('mobilePhone', '手机号码', 'Mobile phone', { masked: true })], encryption: noEncryption }));
    renderPage();
    const row = await screen.findByTestId('field-mask-row-mobilePhone');
    expect(within(row).getByTestId('field-mask-name').textContent).toBe('Mobile phone');
    expect(row.textContent).toContain('System field');
    expect(row.textContent).toContain('Masked');
    expect(screen.getByText('RSA-encrypted mobile numbers')).toBeTruthy();
  });
});

describe('MaskedValue', () => {
  it('shows *** as masked (lock and hint) and any other value as its text', () => {
    render(
      <div>
        <MaskedValue value="***" testId="masked" />
        <MaskedValue value="13800000000" testId="clear" />
        <MaskedValue value={null} testId="empty" />
      </div>,
    );
    expect(screen.getByTestId('masked').textContent).toBe('***');
    expect(screen.getByTestId('masked').getAttribute('data-masked')).toBe('true');
    expect(screen.getByTestId('clear').textContent).toBe('13800000000');
    expect(screen.getByTestId('clear').getAttribute('data-masked')).toBeNull();
    expect(screen.getByTestId('empty').textContent).toBe('');
  });
});
