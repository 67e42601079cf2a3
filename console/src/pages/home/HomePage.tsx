import { PageContainer, ProCard } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Descriptions, Empty, Row, Skeleton, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import { getHome, homeQueryKey } from '../../api/home';
import type { HomeOverview } from '../../api/types';
import { ErrorResult } from '../../components/ErrorResult';
import { hasMessage } from '../../i18n';
import { formatDateTime, formatNumber } from '../../utils/format';

function HomeContent({ home }: { home: HomeOverview }) {
  const { t, i18n } = useTranslation();
  const countLabel = (key: string) => {
    const messageKey = `home.counts.${key}`;
    return hasMessage(messageKey) ? t(messageKey) : key;
  };
  return (
    <>
      <ProCard title={t('home.overview')} style={{ marginBottom: 16 }}>
        <Descriptions
          column={{ xs: 1, sm: 2, lg: 4 }}
          items={[
            {
              key: 'tenantName',
              label: t('home.tenantName'),
              children: <span data-testid="home-tenant-name">{home.tenant.name}</span>,
            },
            {
              key: 'version',
              label: t('home.version'),
              children: <span data-testid="home-version">{home.version}</span>,
            },
            {
              key: 'timeZone',
              label: t('home.timeZone'),
              children: <span data-testid="home-time-zone">{home.tenant.timeZone}</span>,
            },
            {
              key: 'createdAt',
              label: t('home.createdAt'),
              children: <span data-testid="home-created-at">{formatDateTime(home.tenant.createdAt, home.tenant.timeZone)}</span>,
            },
          ]}
        />
      </ProCard>
      <ProCard title={t('home.usage')}>
        {home.counts.length === 0 ? (
          <Empty description={t('home.countsEmpty')} />
        ) : (
          <Row gutter={[16, 16]}>
            {home.counts.map((count) => (
              <Col key={count.key} xs={24} sm={12} md={8} xl={6}>
                <Card data-testid={`home-count-${count.key}`}>
                  <Statistic
                    title={countLabel(count.key)}
                    value={count.value}
                    formatter={(value) => formatNumber(Number(value), i18n.language)}
                  />
                </Card>
              </Col>
            ))}
          </Row>
        )}
      </ProCard>
    </>
  );
}

/** 首页: what this tenant has — version, time zone, and how much of each thing it uses. */
export default function HomePage() {
  const { t } = useTranslation();
  const { data, isPending, error, refetch } = useQuery({
    queryKey: homeQueryKey,
    queryFn: getHome,
  });
  return (
    <PageContainer title={t('home.title')}>
      {isPending ? (
        <ProCard>
          <Skeleton active paragraph={{ rows: 6 }} />
        </ProCard>
      ) : error ? (
        <ProCard>
          <ErrorResult error={error} onRetry={() => void refetch()} />
        </ProCard>
      ) : (
        <HomeContent home={data} />
      )}
    </PageContainer>
  );
}
