import { useQuery } from '@tanstack/react-query';
import { Alert, Input, List, Modal, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { contactListApi, contactListKeys } from '../../api/contact-list';
import { MaskedValue } from '../../components/MaskedValue';
import { useErrorText } from '../../utils/errors';
import type { ContactActionContext } from './contact-actions';

/**
 * 更多操作 → 搜索微信 ID (seed §1.4.8): an OpenID (of any official account) or a UnionID, matched
 * exactly; one match opens the contact, several are listed to choose from.
 */
export function WeChatIdSearchModal({ close }: Pick<ContactActionContext, 'close'>) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [input, setInput] = useState('');
  const [value, setValue] = useState('');
  const result = useQuery({
    queryKey: contactListKeys.weChat(value),
    queryFn: () => contactListApi.weChatIds(value),
    enabled: value !== '',
  });
  const only =
    result.data && new Set(result.data.items.map((item) => item.contactId)).size === 1 ? result.data.items[0] : undefined;
  // The one contact holding it: straight to its page.
  useEffect(() => {
    if (!only) return;
    close();
    navigate(`/contacts/${only.contactId}`);
  }, [only, close, navigate]);

  return (
    <Modal
      open
      title={t('contacts.list.weChat.title')}
      onCancel={close}
      footer={null}
      destroyOnHidden
      data-testid="contacts-wechat-modal"
    >
      <Typography.Paragraph type="secondary">{t('contacts.list.weChat.description')}</Typography.Paragraph>
      <Input.Search
        autoFocus
        enterButton={t('contacts.list.weChat.search')}
        placeholder={t('contacts.list.weChat.placeholder')}
        value={input}
        maxLength={128}
        loading={result.isFetching}
        onChange={(e) => setInput(e.target.value)}
        onSearch={(v) => setValue(v.trim())}
        data-testid="contacts-wechat-input"
      />
      {result.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          message={errorText(result.error)}
          data-testid="contacts-wechat-error"
        />
      )}
      {result.data && result.data.items.length === 0 && (
        <Alert
          type="info"
          showIcon
          style={{ marginTop: 12 }}
          message={t('contacts.list.weChat.none')}
          data-testid="contacts-wechat-none"
        />
      )}
      {result.data && result.data.items.length > 1 && (
        <List
          style={{ marginTop: 12 }}
          size="small"
          dataSource={result.data.items}
          renderItem={(item) => (
            <List.Item
              data-testid={`contacts-wechat-match-${item.contactId}`}
              actions={[
                <a
                  key="open"
                  onClick={() => {
                    close();
                    navigate(`/contacts/${item.contactId}`);
                  }}
                >
                  {t('contacts.list.weChat.open')}
                </a>,
              ]}
            >
              <Space>
                <Typography.Text code>{item.contactId}</Typography.Text>
                <MaskedValue value={item.name ?? t('contacts.list.unnamed')} />
                <Tag>{item.idType === 'wechat.openId' ? 'OpenID' : 'UnionID'}</Tag>
                {item.channelName && <Typography.Text type="secondary">{item.channelName}</Typography.Text>}
              </Space>
            </List.Item>
          )}
        />
      )}
    </Modal>
  );
}
