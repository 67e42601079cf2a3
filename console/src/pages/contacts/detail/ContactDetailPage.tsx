import {
  ApiOutlined,
  EditOutlined,
  GlobalOutlined,
  MobileOutlined,
  SettingOutlined,
  UserOutlined,
  WechatOutlined,
} from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Avatar,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  List,
  Modal,
  Radio,
  Result,
  Row,
  Select,
  Skeleton,
  Space,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { contactDetailApi, contactDetailKeys, type ContactDetail, type DetailConnection } from '../../../api/contact-detail';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { MaskedValue } from '../../../components/MaskedValue';
import { hasPermission, useSession } from '../../../session/session';
import { isNotFoundError, useErrorText } from '../../../utils/errors';
import { formatDateTime } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { ruleText } from '../merge-parts';
import { ContactFormDrawer, systemFieldKeys } from './ContactFormDrawer';
import { ContactTimeline } from './ContactTimeline';

const text = (value: unknown): string | null => (value === null || value === undefined || value === '' ? null : String(value));

function FieldValue({ value, testIdValue }: { value: unknown; testIdValue: string }) {
  const shown = text(value);
  return shown === null ? (
    <Typography.Text type="secondary">-</Typography.Text>
  ) : (
    <MaskedValue value={shown} testId={testIdValue} />
  );
}

/** 用户画像 (§1.4.10.2): name, age and the filled fields (masked ones as ***). */
function ProfileCard({ contact, extra }: { contact: ContactDetail; extra: ReactNode }) {
  const { t } = useTranslation();
  const profile = contact.profile as Record<string, unknown>;
  const props = (profile.props ?? {}) as Record<string, unknown>;
  const name = text(profile.name) ?? text(profile.nickname);
  const filled = systemFieldKeys.filter((key) => key !== 'name' && key !== 'avatar' && text(profile[key]) !== null);
  return (
    <Card title={t('contacts.detail.profile')} extra={extra} data-testid="contact-profile">
      <Space align="center" style={{ marginBottom: 16 }}>
        <Avatar
          size={56}
          icon={<UserOutlined />}
          src={text(profile.avatar) !== '***' ? (text(profile.avatar) ?? undefined) : undefined}
        />
        <div>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="contact-name">
            {name === null ? t('contacts.detail.unnamed') : <MaskedValue value={name} />}
          </Typography.Title>
          <Space size={4} wrap>
            <Tag color={contact.identified ? 'blue' : 'default'} data-testid="contact-identified">
              {contact.identified ? t('contacts.detail.identified') : t('contacts.detail.anonymous')}
            </Tag>
            {contact.age !== null && <Tag data-testid="contact-age">{t('contacts.detail.age', { age: contact.age })}</Tag>}
            <Typography.Text type="secondary" copyable={{ text: contact.id }}>
              ID {contact.id}
            </Typography.Text>
          </Space>
        </div>
      </Space>
      <Descriptions size="small" column={1}>
        {filled.map((key) => (
          <Descriptions.Item key={key} label={t(`contacts.detail.fields.${key}`)}>
            {key === 'gender' && profile[key] !== '***' ? (
              t(`contacts.detail.genders.${String(profile[key]) as 'male'}`, { defaultValue: String(profile[key]) })
            ) : (
              <FieldValue value={profile[key]} testIdValue={`contact-field-${key}`} />
            )}
          </Descriptions.Item>
        ))}
        {contact.customFields
          .filter((field) => text(props[field.key]) !== null)
          .map((field) => (
            <Descriptions.Item key={field.key} label={field.name}>
              <FieldValue value={props[field.key]} testIdValue={`contact-field-${field.key}`} />
            </Descriptions.Item>
          ))}
      </Descriptions>
    </Card>
  );
}

/** 用户标签 with its 显示设置 (all tags or chosen ones): the tags arrive with the tags issue; the setting is kept now. */
function TagsCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: contactDetailKeys.viewSettings, queryFn: contactDetailApi.viewSettings });
  const [editing, setEditing] = useState<{ mode: 'all' | 'chosen'; ids: string[] }>();
  const save = async () => {
    if (!settings.data || !editing) return;
    try {
      await contactDetailApi.saveViewSettings({
        profileTags: editing.mode === 'all' ? null : editing.ids,
        timelineOutbound: settings.data.timelineOutbound,
      });
      message.success(t('contacts.detail.tags.saved'));
      await queryClient.invalidateQueries({ queryKey: contactDetailKeys.viewSettings });
      setEditing(undefined);
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const chosen = settings.data?.profileTags;
  return (
    <Card
      title={t('contacts.detail.tags.title')}
      data-testid="contact-tags"
      extra={
        <Button
          size="small"
          icon={<SettingOutlined />}
          disabled={!settings.data}
          onClick={() => setEditing({ mode: chosen ? 'chosen' : 'all', ids: chosen ?? [] })}
          data-testid="tags-settings"
        >
          {t('contacts.detail.tags.settings')}
        </Button>
      }
    >
      <Typography.Text type="secondary">{t('contacts.detail.tags.empty')}</Typography.Text>
      {chosen && (
        <div style={{ marginTop: 8 }} data-testid="tags-chosen">
          {chosen.map((id) => (
            <Tag key={id}>{id}</Tag>
          ))}
        </div>
      )}
      {editing && (
        <Modal
          open
          title={t('contacts.detail.tags.settingsTitle')}
          onCancel={() => setEditing(undefined)}
          onOk={() => void save()}
          okText={t('common.save')}
          cancelText={t('common.cancel')}
          okButtonProps={testId('tags-settings-save')}
        >
          <Radio.Group
            value={editing.mode}
            onChange={(e) => setEditing({ ...editing, mode: e.target.value as 'all' | 'chosen' })}
          >
            <Space direction="vertical">
              <Radio value="all">{t('contacts.detail.tags.all')}</Radio>
              <Radio value="chosen">{t('contacts.detail.tags.chosen')}</Radio>
            </Space>
          </Radio.Group>
          {editing.mode === 'chosen' && (
            <div style={{ marginTop: 12 }}>
              <Select
                mode="tags"
                style={{ width: '100%' }}
                value={editing.ids}
                placeholder={t('contacts.detail.tags.chosenIds')}
                onChange={(ids: string[]) => setEditing({ ...editing, ids })}
                {...testId('tags-settings-ids')}
              />
              <Typography.Text type="secondary">{t('contacts.detail.tags.chosenHint')}</Typography.Text>
            </div>
          )}
        </Modal>
      )}
    </Card>
  );
}

function channelIcon(type: string | null): ReactNode {
  if (type === 'wechat') return <WechatOutlined style={{ color: '#07c160' }} />;
  if (type === 'miniprogram') return <MobileOutlined style={{ color: '#07c160' }} />;
  if (type === 'custom') return <GlobalOutlined style={{ color: '#1677ff' }} />;
  return <ApiOutlined />;
}

/** What hovering a connection shows: the OpenID and UnionID of an official account, a custom channel's external_id. */
function ConnectionTooltip({ connection }: { connection: DetailConnection }) {
  const { t } = useTranslation();
  const lines: [string, string][] = [];
  if (connection.openId) lines.push([t('contacts.detail.connections.openId'), connection.openId]);
  if (connection.unionId) lines.push([t('contacts.detail.connections.unionId'), connection.unionId]);
  for (const id of connection.externalIds) lines.push([t('contacts.detail.connections.externalId'), id]);
  for (const account of connection.accounts)
    if (!['wechat.openId', 'wechat.unionId', 'externalId'].includes(account.idType))
      lines.push([
        account.idType === 'anonymousId' ? t('contacts.detail.connections.anonymousId') : account.idType,
        account.userId,
      ]);
  return (
    <div data-testid={`connection-tooltip-${connection.channelId}`}>
      <div>
        <strong>{connection.channelName ?? t('contacts.detail.connections.deleted')}</strong>
      </div>
      {lines.map(([label, value]) => (
        <div key={`${label}-${value}`}>
          {label}: {value}
        </div>
      ))}
    </div>
  );
}

/** 连接账号信息 (§1.4.10.3): one icon per connection, its ids on hover. */
function ConnectionsCard({ connections }: { connections: DetailConnection[] }) {
  const { t } = useTranslation();
  return (
    <Card title={t('contacts.detail.connections.title')} data-testid="contact-connections">
      {connections.length === 0 ? (
        <Typography.Text type="secondary">{t('contacts.detail.connections.empty')}</Typography.Text>
      ) : (
        <Space wrap size={12}>
          {connections.map((connection) => (
            <Tooltip key={connection.channelId} title={<ConnectionTooltip connection={connection} />}>
              <Tag
                icon={channelIcon(connection.channelType)}
                style={{ padding: '4px 8px', cursor: 'default' }}
                data-testid={`connection-${connection.channelId}`}
              >
                {connection.channelName ?? t('contacts.detail.connections.deleted')}
              </Tag>
            </Tooltip>
          ))}
        </Space>
      )}
    </Card>
  );
}

function SystemCard({ contact }: { contact: ContactDetail }) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const time = (value: number | null) => (value === null ? '-' : formatDateTime(value, timeZone));
  const { system } = contact;
  const utm = ['source', 'campaign', 'term', 'content', 'medium'] as const;
  return (
    <Card title={t('contacts.detail.system.title')} data-testid="contact-system">
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('contacts.detail.system.firstSeenAt')}>{time(system.firstSeenAt)}</Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.system.lastActiveAt')}>{time(system.lastActiveAt)}</Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.system.createdAt')}>
          <span data-testid="contact-created-at">{time(system.createdAt)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.system.updatedAt')}>{time(system.updatedAt)}</Descriptions.Item>
        {utm.map((key) => (
          <Descriptions.Item key={key} label={t(`contacts.detail.system.${key}`)}>
            {system.createdUtm[key] ?? '-'}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}

function GroupsCard({ contact }: { contact: ContactDetail }) {
  const { t } = useTranslation();
  return (
    <Card title={t('contacts.detail.groups.title')} data-testid="contact-groups">
      {contact.groups.length === 0 ? (
        <Typography.Text type="secondary">{t('contacts.detail.groups.empty')}</Typography.Text>
      ) : (
        <Space wrap>
          {contact.groups.map((group) => (
            <Tag key={group.id}>{group.name}</Tag>
          ))}
        </Space>
      )}
    </Card>
  );
}

function MergesCard({ contact }: { contact: ContactDetail }) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  return (
    <Card
      title={t('contacts.detail.merges.title')}
      data-testid="contact-merges"
      extra={<Link to="/contacts/merges">{t('contacts.detail.merges.all')}</Link>}
    >
      {contact.merges.items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('contacts.detail.merges.empty')} />
      ) : (
        <List
          size="small"
          dataSource={contact.merges.items}
          renderItem={(merge) => (
            <List.Item data-testid="contact-merge">
              <Space wrap>
                <Typography.Text type="secondary">{formatDateTime(merge.mergedAt, timeZone)}</Typography.Text>
                <span>{t('contacts.detail.merges.merged', { merged: merge.mergedId, survivor: merge.survivorId })}</span>
                <Tag>{ruleText(t, merge.rule)}</Tag>
              </Space>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

/**
 * 用户详情 (seed §1.4.10): profile with age and tags, connected accounts, groups, system properties,
 * merge history and the timeline; 编辑 for staff holding 用户-编辑. A merged-away id opens its survivor
 * and says so.
 */
export default function ContactDetailPage() {
  const { t } = useTranslation();
  const { contactId = '' } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [redirectedFrom, setRedirectedFrom] = useState<string>();
  const detail = useQuery({ queryKey: contactDetailKeys.detail(contactId), queryFn: () => contactDetailApi.get(contactId) });

  useEffect(() => {
    const data = detail.data;
    if (data?.redirectedFrom) {
      setRedirectedFrom(data.redirectedFrom);
      queryClient.setQueryData(contactDetailKeys.detail(data.id), { ...data, redirectedFrom: null });
      navigate(`/contacts/${data.id}`, { replace: true });
    }
  }, [detail.data, navigate, queryClient]);

  if (detail.error && isNotFoundError(detail.error, ['contactId']))
    return (
      <Result
        status="404"
        title={t('contacts.detail.notFound')}
        extra={<Link to="/contacts/all">{t('contacts.detail.back')}</Link>}
        data-testid="contact-not-found"
      />
    );
  const contact = detail.data;
  const canEdit = hasPermission(session, 'contacts.edit');
  const name = contact ? (text(contact.profile.name) ?? text(contact.profile.nickname)) : null;

  return (
    <div data-testid="contact-detail-page">
      <PageContainer
        title={name && name !== '***' ? name : t('contacts.detail.title')}
        onBack={() => navigate('/contacts/all')}
        extra={
          canEdit && contact
            ? [
                <Button key="edit" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="contact-edit">
                  {t('contacts.detail.edit')}
                </Button>,
              ]
            : []
        }
      >
        {redirectedFrom && contact && (
          <Alert
            type="info"
            showIcon
            closable
            style={{ marginBottom: 16 }}
            message={t('contacts.detail.redirected', { from: redirectedFrom, to: contact.id })}
            data-testid="contact-redirected"
          />
        )}
        <LoadErrorAlert error={detail.error} onRetry={() => void detail.refetch()} testId="contact-load-error" />
        {!contact ? (
          detail.isPending && <Skeleton active />
        ) : (
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={9}>
              <Space direction="vertical" size={16} style={{ width: '100%' }}>
                <ProfileCard contact={contact} extra={null} />
                <TagsCard />
                <ConnectionsCard connections={contact.connections} />
                <GroupsCard contact={contact} />
                <SystemCard contact={contact} />
              </Space>
            </Col>
            <Col xs={24} lg={15}>
              <Space direction="vertical" size={16} style={{ width: '100%' }}>
                <ContactTimeline contactId={contact.id} connections={contact.connections} />
                <MergesCard contact={contact} />
              </Space>
            </Col>
          </Row>
        )}
        {editing && contact && (
          <ContactFormDrawer
            contactId={contact.id}
            onClose={() => setEditing(false)}
            onSaved={(saved) => {
              setEditing(false);
              queryClient.setQueryData(contactDetailKeys.detail(saved.id), saved);
              void queryClient.invalidateQueries({ queryKey: ['contacts'] });
            }}
          />
        )}
      </PageContainer>
    </div>
  );
}
