import { InfoCircleOutlined } from '@ant-design/icons';
import { PageContainer, ProCard } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Descriptions, Progress, Row, Skeleton, Statistic, Table, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { homeApi, homeKeys, type UsageSummary } from '../../../api/home';
import { ErrorResult } from '../../../components/ErrorResult';
import { formatNumber } from '../../../utils/format';

type UsageMonth = UsageSummary['events']['months'][number];

function Stat({ testId, title, value, hint }: { testId: string; title: string; value: number; hint?: string }) {
  const { i18n } = useTranslation();
  return (
    <Card data-testid={testId}>
      <Statistic
        title={
          hint ? (
            <span>
              {title}{' '}
              <Tooltip title={hint}>
                <InfoCircleOutlined />
              </Tooltip>
            </span>
          ) : (
            title
          )
        }
        value={value}
        formatter={(v) => <span data-testid={`${testId}-value`}>{formatNumber(Number(v), i18n.language)}</span>}
      />
    </Card>
  );
}

function UsageContent({ usage }: { usage: UsageSummary }) {
  const { t, i18n } = useTranslation();
  const months = usage.events.months;
  const current = months[months.length - 1];
  const max = Math.max(1, ...months.map((m) => m.events));
  return (
    <>
      <ProCard style={{ marginBottom: 16 }}>
        <Descriptions
          column={{ xs: 1, sm: 2 }}
          items={[
            {
              key: 'expiresOn',
              label: t('usage.expiresOn'),
              children: <span data-testid="usage-expires-on">{usage.expiresOn ?? t('home.noExpiry')}</span>,
            },
            { key: 'timeZone', label: t('usage.timeZone'), children: usage.timeZone },
          ]}
        />
      </ProCard>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        <Col xs={24} sm={12} xl={6}>
          <Stat
            testId="usage-tracked-users"
            title={t('usage.trackedUsers')}
            value={usage.trackedUsers}
            hint={t('usage.trackedUsersHint')}
          />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <Stat testId="usage-contacts-all" title={t('usage.contactsAll')} value={usage.contacts.all} />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <Stat testId="usage-events-month" title={t('usage.eventsThisMonth')} value={current?.events ?? 0} />
        </Col>
        <Col xs={24} sm={12} xl={6}>
          <Stat
            testId="usage-events-total"
            title={t('usage.eventsYear')}
            value={usage.events.total}
            hint={t('usage.eventsHint')}
          />
        </Col>
      </Row>
      <ProCard title={t('usage.monthsTitle')}>
        <Table<UsageMonth>
          rowKey="month"
          size="small"
          pagination={false}
          data-testid="usage-months"
          dataSource={[...months].reverse()}
          columns={[
            { title: t('usage.month'), dataIndex: 'month', width: 120 },
            {
              title: t('usage.events'),
              dataIndex: 'events',
              width: 160,
              align: 'right',
              render: (value: number) => formatNumber(value, i18n.language),
            },
            {
              title: '',
              key: 'bar',
              render: (_, row) => <Progress percent={(row.events / max) * 100} status="normal" showInfo={false} size="small" />,
            },
          ]}
        />
      </ProCard>
    </>
  );
}

/** 设置 › 使用情况 (seed §1.11.5): expiry, tracked users (TU) and events per month. */
export default function UsagePage() {
  const { t } = useTranslation();
  const { data, isPending, error, refetch } = useQuery({ queryKey: homeKeys.usage, queryFn: homeApi.usage });
  return (
    <div data-testid="usage-page">
      <PageContainer title={t('usage.title')}>
        {isPending ? (
          <ProCard>
            <Skeleton active paragraph={{ rows: 6 }} />
          </ProCard>
        ) : error ? (
          <ProCard>
            <ErrorResult error={error} onRetry={() => void refetch()} />
          </ProCard>
        ) : (
          <UsageContent usage={data} />
        )}
      </PageContainer>
    </div>
  );
}
