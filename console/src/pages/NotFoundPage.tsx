import { useTranslation } from 'react-i18next';
import { StatusResult } from '../components/StatusResult';

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <StatusResult
      status="404"
      title={t('pages.notFound.title')}
      subTitle={t('pages.notFound.subTitle')}
      backTo="/"
      backLabel={t('common.backHome')}
      testId="page-not-found"
    />
  );
}
