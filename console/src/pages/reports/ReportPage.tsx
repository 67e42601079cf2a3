import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Skeleton } from 'antd';
import type { ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { metadataApi, metadataKeys } from '../../api/metadata';
import { reportKeys, reportsApi, type SavedReport } from '../../api/reports';
import { ErrorResult } from '../../components/ErrorResult';
import { ListEmpty } from '../../components/ListEmpty';
import { isNotFoundError } from '../../utils/errors';

/**
 * What every report builder page (事件分析, 漏斗, 留存, 分布, LTV) does around its builder: /analytics/<model>
 * builds a new question, /analytics/<model>/:reportId opens a saved report. It loads the condition catalogue
 * (events, properties, tags) and the saved report, shows loading, 报表不存在 and errors, and — without any
 * event — a pointer to create one, since there is nothing to analyse yet. Test ids are `<testId>-loading`,
 * `-not-found`, `-no-events`.
 */
export function ReportPage({
  title,
  testId,
  builder: Builder,
  needsEvents = true,
}: {
  title: string;
  testId: string;
  builder: ComponentType<{ catalogue: ConditionCatalogue; saved?: SavedReport }>;
  /** Whether the model reads events (用户分析 reads contacts only: it never shows the no-events pointer). */
  needsEvents?: boolean;
}) {
  const { t } = useTranslation();
  const { reportId } = useParams();
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  const saved = useQuery({
    queryKey: reportKeys.report(reportId ?? ''),
    queryFn: () => reportsApi.get(reportId!),
    enabled: reportId !== undefined,
  });
  if (catalogue.isPending || (reportId !== undefined && saved.isPending)) {
    return (
      <PageContainer title={title}>
        <Skeleton active paragraph={{ rows: 12 }} data-testid={`${testId}-loading`} />
      </PageContainer>
    );
  }
  if (catalogue.isError || saved.isError) {
    return (
      <PageContainer title={title}>
        {saved.isError && isNotFoundError(saved.error, ['reportId']) ? (
          <ListEmpty title={t('reports.notFound')} testId={`${testId}-not-found`} />
        ) : (
          <ErrorResult
            error={catalogue.error ?? saved.error}
            onRetry={() => void (catalogue.isError ? catalogue.refetch() : saved.refetch())}
          />
        )}
      </PageContainer>
    );
  }
  if (needsEvents && catalogue.data.events.length === 0) {
    return (
      <PageContainer title={title}>
        <Card>
          <ListEmpty
            title={t('reports.empty.noEventsTitle')}
            description={t('reports.empty.noEventsDescription')}
            testId={`${testId}-no-events`}
          />
          <Flex justify="center">
            <Link to="/metadata/events">{t('reports.empty.createEvent')}</Link>
          </Flex>
        </Card>
      </PageContainer>
    );
  }
  return <Builder key={reportId ?? 'new'} catalogue={catalogue.data} saved={saved.data} />;
}
