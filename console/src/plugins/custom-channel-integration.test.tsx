// @vitest-environment jsdom
import '../test-utils/dom';
import { render, screen, within } from '@testing-library/react';
import { App, ConfigProvider } from 'antd';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import type { CustomApp } from '../../../plugins/custom-channel/console/api';
import { Integration } from '../../../plugins/custom-channel/console/AppPage';
import './registry';

const app = (platform: CustomApp['platform']): CustomApp => ({
  id: '7',
  channelId: '3',
  platform,
  name: '官网',
  domain: platform === 'web' ? 'shop.example.com' : null,
  bundleId: platform === 'ios' ? 'com.example.shop' : null,
  packageName: null,
  writeKey: 'wk_0123456789abcdefghijABCDEFGHIJ',
  status: 'enabled',
  writeKeyIssuedAt: 0,
  createdAt: 0,
  updatedAt: 0,
});

function renderIntegration(platform: CustomApp['platform']) {
  render(
    <ConfigProvider theme={{ token: { motion: false } }}>
      <App>
        <Integration app={app(platform)} origin="https://cdp.example.com" />
      </App>
    </ConfigProvider>,
  );
}

describe('custom channel app page — JS 集成', () => {
  it('shows the seed’s script tag and the async loader with this app’s writeKey and this server', async () => {
    await i18n.changeLanguage('zh-CN');
    renderIntegration('web');
    const card = screen.getByTestId('custom-app-integration');
    expect(screen.getByTestId('custom-app-snippet').textContent).toBe(
      '<script src="https://cdp.example.com/sdk/huiliu.min.js?token=wk_0123456789abcdefghijABCDEFGHIJ&baseDomain=https://cdp.example.com"></script>',
    );
    const loader = screen.getByTestId('custom-app-snippet-async').textContent!;
    expect(loader).toContain(
      "'https://cdp.example.com/sdk/huiliu.min.js?token=wk_0123456789abcdefghijABCDEFGHIJ&baseDomain=https://cdp.example.com'",
    );
    expect(loader).toContain('h.q.push([m, [].slice.call(arguments)])');
    expect(within(card).getByText('script 标签')).toBeTruthy();
    expect(screen.getByTestId('custom-app-snippet-copy').textContent).toContain('复制代码');
    expect(screen.getByTestId('custom-app-web-notes').textContent).toContain('&appId=公众号AppID');
    expect(screen.getByTestId('custom-app-web-notes').textContent).toContain('window.LFAPP.identify');
  });

  it('speaks English too, and mobile apps get their notes instead of a snippet', async () => {
    await i18n.changeLanguage('en-US');
    renderIntegration('web');
    expect(screen.getByText('Script tag')).toBeTruthy();
    expect(screen.getByTestId('custom-app-snippet-async-copy').textContent).toContain('Copy code');
    expect(screen.getByTestId('custom-app-web-notes').textContent).toContain('Pages inside WeChat');
    await i18n.changeLanguage('zh-CN');
  });

  it('an iOS app: no snippet, the collect URL and Bundle ID', async () => {
    renderIntegration('ios');
    expect(screen.queryByTestId('custom-app-snippet')).toBeNull();
    expect(screen.getByTestId('custom-app-mobile-note').textContent).toContain('https://cdp.example.com/api/v1/collect');
    expect(screen.getByTestId('custom-app-mobile-note').textContent).toContain('com.example.shop');
  });
});
