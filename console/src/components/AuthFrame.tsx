import { theme } from 'antd';
import type { ReactNode } from 'react';
import { LanguageSwitch } from './LanguageSwitch';

/** The frame of the pages shown before login: a centred column and the language switch. */
export function AuthFrame({ children, width = 440 }: { children: ReactNode; width?: number }) {
  const { token } = theme.useToken();
  return (
    <div style={{ minHeight: '100vh', background: token.colorBgLayout, position: 'relative' }}>
      <div style={{ position: 'absolute', top: 16, right: 24 }}>
        <LanguageSwitch />
      </div>
      <div style={{ maxWidth: width, margin: '0 auto', padding: '72px 16px 48px' }}>{children}</div>
    </div>
  );
}
