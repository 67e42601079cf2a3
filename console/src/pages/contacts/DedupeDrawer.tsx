import { Drawer, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ContactActionContext } from './contact-actions';
import { DedupeResults } from './DedupeResults';
import { DedupeRules } from './DedupeRules';

/**
 * 所有用户 → 更多操作 → 合并用户 (seed §1.4.7): the dedupe rules (with 自动合并), 启动查重, the
 * duplicate sets of the latest run and 合并用户. Needs 用户-合并用户 (the menu entry is hidden without it).
 */
export default function DedupeDrawer({ close, reload }: ContactActionContext) {
  const { t } = useTranslation();
  return (
    <Drawer open width={980} title={t('contacts.dedupe.title')} onClose={close} destroyOnClose data-testid="dedupe-drawer">
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <DedupeRules />
        <DedupeResults onMerged={reload} />
      </Space>
    </Drawer>
  );
}
