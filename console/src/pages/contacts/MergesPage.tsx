import { PageContainer } from '@ant-design/pro-components';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { IdentitySettingsTab } from './IdentitySettingsTab';
import { useCanMerge } from './merge-parts';
import { MergeCandidatesTab } from './MergeCandidatesTab';
import { MergeHistoryTab } from './MergeHistoryTab';

type TabKey = 'candidates' | 'history' | 'settings';

/**
 * 用户 → 合并管理 (seed §1.4.7, ARCHITECTURE §5.7–§5.8): merge candidates to accept or dismiss,
 * the merge history, and the blocked values. Candidates need 用户-合并用户 (contacts.merge); staff
 * without it see the history and the settings read-only.
 */
export default function MergesPage() {
  const { t } = useTranslation();
  const canMerge = useCanMerge();
  const [searchParams, setSearchParams] = useSearchParams();
  const wanted = searchParams.get('tab');
  const tab: TabKey = wanted === 'history' || wanted === 'settings' ? wanted : canMerge ? 'candidates' : 'history';

  const keys: TabKey[] = canMerge ? ['candidates', 'history', 'settings'] : ['history', 'settings'];
  const tabList = keys.map((key) => ({
    key,
    tab: <span data-testid={`merges-tab-${key}`}>{t(`contacts.merges.tabs.${key}`)}</span>,
  }));

  return (
    <div data-testid="merges-page">
      <PageContainer
        title={t('contacts.merges.title')}
        content={t('contacts.merges.description')}
        tabList={tabList}
        tabActiveKey={tab}
        onTabChange={(key) => setSearchParams(key === keys[0] ? {} : { tab: key }, { replace: true })}
      >
        {tab === 'candidates' ? <MergeCandidatesTab /> : tab === 'history' ? <MergeHistoryTab /> : <IdentitySettingsTab />}
      </PageContainer>
    </div>
  );
}
