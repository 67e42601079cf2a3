import { TranslationOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage, isLanguage, languages } from '../i18n';

/** 中文 / English. The choice is kept in localStorage. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const current = currentLanguage();
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [current],
        items: languages.map((language) => ({
          key: language,
          label: <span data-testid={`lang-option-${language}`}>{t(`language.${language}`)}</span>,
        })),
        onClick: ({ key }) => {
          // Texts the server wrote in the old language (e.g. why a channel cannot be deleted) are reloaded.
          if (isLanguage(key)) void changeLanguage(key).then(() => queryClient.invalidateQueries());
        },
      }}
    >
      <Button type="text" icon={<TranslationOutlined />} title={t('language.switchTitle')} data-testid="lang-switch">
        {t(`language.${current}`)}
      </Button>
    </Dropdown>
  );
}
