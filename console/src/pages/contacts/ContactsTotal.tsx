import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../utils/format';

/** 共 N 位用户 over a contact table (所有用户, a group's members); nothing while the total is unknown. */
export function ContactsTotal({ total, testId }: { total: number | null | undefined; testId: string }) {
  const { t, i18n } = useTranslation();
  if (total === null || total === undefined) return null;
  return (
    <span data-testid={testId} data-total={total}>
      {t('contacts.list.total', { count: total, formatted: formatNumber(total, i18n.language) })}
    </span>
  );
}
