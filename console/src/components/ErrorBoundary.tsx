import { Button, Result } from 'antd';
import { Component, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

function CrashedResult() {
  const { t } = useTranslation();
  return (
    <Result
      status="500"
      title={t('pages.crashed.title')}
      subTitle={t('pages.crashed.subTitle')}
      extra={
        <Button type="primary" onClick={() => window.location.reload()}>
          {t('pages.crashed.reload')}
        </Button>
      }
    />
  );
}

/** Keeps a render error in one page from blanking the whole console. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? <CrashedResult /> : this.props.children;
  }
}
