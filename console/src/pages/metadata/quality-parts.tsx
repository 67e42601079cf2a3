import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ingestionApi, ingestionKeys, issueReasons, quarantineReasons, type ReplayRequest } from '../../api/ingestion';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

type KnownReason = (typeof quarantineReasons)[number] | (typeof issueReasons)[number];
const knownReasons: readonly string[] = [...quarantineReasons, ...issueReasons];

/** 事件未定义 and what to do about it; a reason this console does not know shows as its code. */
export function reasonText(t: TFunction, reason: string): { label: string; hint: string | null } {
  if (!knownReasons.includes(reason)) return { label: reason, hint: null };
  const key = reason as KnownReason;
  return {
    label: t(`metadata.dataQuality.reasons.${key}.label`),
    hint: t(`metadata.dataQuality.reasons.${key}.hint`),
  };
}

/** A reason as a tag, with the one line of what to do under it (`withHint`) or on hover. */
export function ReasonLabel({ reason, withHint = false, extra }: { reason: string; withHint?: boolean; extra?: ReactNode }) {
  const { t } = useTranslation();
  const { label, hint } = reasonText(t, reason);
  const tag = (
    <Tag color={reason === 'event_undeclared' ? 'orange' : 'red'} data-testid="quality-reason-label" data-reason={reason}>
      {label}
    </Tag>
  );
  if (!withHint)
    return hint ? (
      <Tooltip title={hint}>
        <span>{tag}</span>
      </Tooltip>
    ) : (
      tag
    );
  return (
    <Space direction="vertical" size={2}>
      {tag}
      {hint && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="quality-reason-hint">
          {hint}
          {extra}
        </Typography.Text>
      )}
    </Space>
  );
}

/**
 * 重放: sends the request, says how many went back for processing, and refreshes the 数据质量
 * queries now and once more after the worker had a moment to judge them again.
 */
export function useReplay(onDone?: () => void) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ingestionKeys.all });
  const mutation = useMutation({
    mutationFn: (request: ReplayRequest) => ingestionApi.replay(request),
    onSuccess: ({ replayed }) => {
      if (replayed > 0) message.success(t('metadata.dataQuality.replay.done', { count: replayed }));
      else message.info(t('metadata.dataQuality.replay.nothing'));
      onDone?.();
      refresh();
      // The worker drains replayed messages within a second or two: show what became of them.
      setTimeout(refresh, 2_500);
    },
    onError: (error) => {
      message.error(errorText(error));
      refresh();
    },
  });
  return (request: ReplayRequest) => mutation.mutateAsync(request).catch(() => undefined);
}

/** A 重放 link asked again first; disabled (with why) when `disabledReason` is given. */
export function ReplayLink({
  title,
  onConfirm,
  testId: id,
  confirmTestId,
  disabledReason,
  children,
}: {
  title: string;
  onConfirm: () => Promise<unknown>;
  testId: string;
  confirmTestId: string;
  disabledReason?: string | null;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const label = children ?? t('metadata.dataQuality.replay.action');
  if (disabledReason)
    return (
      <Tooltip title={disabledReason}>
        <span>
          <Typography.Link disabled aria-disabled data-testid={id}>
            {label}
          </Typography.Link>
        </span>
      </Tooltip>
    );
  return (
    <Popconfirm
      title={title}
      description={<div style={{ maxWidth: 360 }}>{t('metadata.dataQuality.replay.description')}</div>}
      okText={t('metadata.dataQuality.replay.ok')}
      okButtonProps={testId(confirmTestId)}
      cancelText={t('common.cancel')}
      onConfirm={onConfirm}
    >
      <Typography.Link data-testid={id}>{label}</Typography.Link>
    </Popconfirm>
  );
}
