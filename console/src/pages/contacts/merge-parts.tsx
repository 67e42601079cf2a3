import { useQuery } from '@tanstack/react-query';
import { Button, Space, Tag, Tooltip, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { mergeRules, type ContactSummary, type MergeEvidence, type MergeRule } from '../../api/contacts';
import { MaskedValue } from '../../components/MaskedValue';
import { listAllChannels, metadataKeys } from '../../api/metadata';
import { hasPermission, useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';

/** Accepting, dismissing and changing the blocked values need 用户-合并用户 (contacts.merge). */
export function useCanMerge(): boolean {
  return hasPermission(useSession(), 'contacts.merge');
}

/** A connection's name by id ("连接 #3" when the staff member may not list connections, or it is gone). */
export function useChannelName(): (channelId: string | undefined) => string {
  const { t } = useTranslation();
  const canList = hasPermission(useSession(), 'connections.view');
  const channels = useQuery({ queryKey: metadataKeys.channels, queryFn: listAllChannels, enabled: canList });
  const names = new Map((channels.data ?? []).map((channel) => [channel.id, channel.name]));
  return (channelId) =>
    channelId === undefined ? '' : (names.get(channelId) ?? t('contacts.merges.channel', { id: channelId }));
}

/** 匿名用户登录识别… of a merge rule; a rule this console does not know shows as its code. */
export function ruleText(t: TFunction, rule: string): string {
  return (mergeRules as readonly string[]).includes(rule) ? t(`contacts.merges.history.rules.${rule as MergeRule}`) : rule;
}

const candidateReasons = ['shared_anonymous_id', 'segment_alias'] as const;

/** 同一匿名 ID 已属于另一位实名用户 of a candidate reason; unknown reasons as their code. */
export function candidateReasonText(t: TFunction, reason: string): string {
  return (candidateReasons as readonly string[]).includes(reason)
    ? t(`contacts.merges.candidates.reasons.${reason as (typeof candidateReasons)[number]}`)
    : reason;
}

/** The id that matched: its connection, id type and value (and the official account of a weChatInfo). */
export function EvidenceText({ evidence, testId }: { evidence: MergeEvidence | null; testId: string }) {
  const { t } = useTranslation();
  const channelName = useChannelName();
  if (evidence === null || Object.keys(evidence).length === 0)
    return (
      <Typography.Text type="secondary" data-testid={testId}>
        —
      </Typography.Text>
    );
  return (
    <Space direction="vertical" size={0} data-testid={testId}>
      {evidence.userId !== undefined && (
        <Typography.Text>
          {t('contacts.merges.candidates.evidence', {
            channel: channelName(evidence.channelId),
            idType: evidence.idType ?? '',
            userId: evidence.userId,
          })}
        </Typography.Text>
      )}
      {evidence.appId !== undefined && (
        <Typography.Text type="secondary">{t('contacts.merges.history.appId', { appId: evidence.appId })}</Typography.Text>
      )}
    </Space>
  );
}

/**
 * Which of a candidate's two contacts a merge keeps (core's chooseSurvivor, ARCHITECTURE §5.7): the
 * most recently updated; on a tie the identified one, then the smaller id. Undefined when one is gone.
 */
export function predictedSurvivor(a: ContactSummary, b: ContactSummary): string | undefined {
  if (!a.exists || !b.exists || a.id === b.id) return undefined;
  const byUpdate = (b.updatedAt ?? 0) - (a.updatedAt ?? 0);
  if (byUpdate !== 0) return byUpdate > 0 ? b.id : a.id;
  if (a.identified !== b.identified) return a.identified ? a.id : b.id;
  return Number(a.id) <= Number(b.id) ? a.id : b.id;
}

/** One side of a candidate: who it is, its values (masked ones as ***) and its channel accounts. */
export function ContactCard({ contact, survives }: { contact: ContactSummary; survives: boolean }) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const channelName = useChannelName();
  const fields = [
    { key: 'mobile', label: t('contacts.merges.contact.mobile'), value: contact.mobile },
    { key: 'email', label: t('contacts.merges.contact.email'), value: contact.email },
    { key: 'nickname', label: t('contacts.merges.contact.nickname'), value: contact.nickname },
  ].filter((field) => field.value !== null && field.value !== '');
  return (
    <Space
      direction="vertical"
      size={2}
      style={{ minWidth: 220, maxWidth: 320 }}
      data-testid="candidate-contact"
      data-contact-id={contact.id}
    >
      <Space size={4} wrap>
        <Typography.Text strong data-testid="candidate-contact-name">
          {contact.name === null ? t('contacts.merges.contact.unnamed') : <MaskedValue value={contact.name} />}
        </Typography.Text>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('contacts.merges.contact.id', { id: contact.id })}
        </Typography.Text>
      </Space>
      <Space size={4} wrap>
        {!contact.exists ? (
          <Tag color="red">{t('contacts.merges.contact.deleted')}</Tag>
        ) : contact.identified ? (
          <Tag color="green">{t('contacts.merges.contact.identified')}</Tag>
        ) : (
          <Tag>{t('contacts.merges.contact.anonymous')}</Tag>
        )}
        {survives && (
          <Tooltip title={t('contacts.merges.contact.survivesHint')}>
            <Tag color="blue" data-testid="candidate-contact-survives">
              {t('contacts.merges.contact.survives')}
            </Tag>
          </Tooltip>
        )}
      </Space>
      {fields.map((field) => (
        <Typography.Text key={field.key} style={{ fontSize: 12 }}>
          <Typography.Text type="secondary">{field.label}：</Typography.Text>
          <MaskedValue value={field.value} />
        </Typography.Text>
      ))}
      {contact.updatedAt !== null && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('contacts.merges.contact.updatedAt')}：{formatDateTime(contact.updatedAt, timeZone)}
        </Typography.Text>
      )}
      {contact.accounts.length === 0 ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('contacts.merges.contact.noAccounts')}
        </Typography.Text>
      ) : (
        <Space size={[4, 4]} wrap>
          {contact.accounts.map((account) => (
            <Tooltip key={account.id} title={channelName(account.channelId)}>
              <Tag style={{ marginInlineEnd: 0 }} data-testid="candidate-contact-account">
                {account.idType}: {account.userId}
              </Tag>
            </Tooltip>
          ))}
        </Space>
      )}
    </Space>
  );
}

/** "加载更多" under a keyset-paginated list (shown while there is more). */
export function LoadMore({
  hasMore,
  loading,
  onClick,
  testId,
}: {
  hasMore: boolean;
  loading: boolean;
  onClick: () => void;
  testId: string;
}) {
  const { t } = useTranslation();
  if (!hasMore) return null;
  return (
    <div style={{ textAlign: 'center', marginTop: 16 }}>
      <Button onClick={onClick} loading={loading} data-testid={testId}>
        {t('contacts.merges.loadMore')}
      </Button>
    </div>
  );
}
