import { Spin } from 'antd';
import { useTranslation } from 'react-i18next';

export function FullPageSpin() {
  const { t } = useTranslation();
  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
      }}
      data-testid="page-loading"
    >
      <Spin size="large" tip={t('app.loading')}>
        <div style={{ width: 120, height: 80 }} />
      </Spin>
    </div>
  );
}
