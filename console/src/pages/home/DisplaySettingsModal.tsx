import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Checkbox, Empty, Modal, Skeleton, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { homeApi, homeKeys } from '../../api/home';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';

/**
 * 显示设置 (seed §1.2.3): which outbound (主动) events — template messages, mass sends… — this staff
 * member's home timeline shows besides every inbound event. Saved per staff member.
 */
export function DisplaySettingsModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const localized = useLocalized();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: homeKeys.displaySettings, queryFn: homeApi.displaySettings, enabled: open });
  const [chosen, setChosen] = useState<string[]>([]);

  useEffect(() => {
    if (open && settings.data) setChosen(settings.data.outboundEvents);
  }, [open, settings.data]);

  const save = useMutation({
    mutationFn: () => homeApi.saveDisplaySettings(chosen),
    onSuccess: (saved) => {
      queryClient.setQueryData(homeKeys.displaySettings, saved);
      message.success(t('home.displaySettings.saved'));
      onSaved();
      onClose();
    },
    onError: (error) => message.error(errorText(error)),
  });

  const options = settings.data?.options ?? [];
  return (
    <Modal
      open={open}
      title={t('home.displaySettings.title')}
      okText={t('common.save')}
      onOk={() => save.mutate()}
      okButtonProps={{ loading: save.isPending, disabled: !settings.data, ...testId('home-display-settings-save') }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('home.displaySettings.description')}</Typography.Paragraph>
      <LoadErrorAlert error={settings.error} onRetry={() => void settings.refetch()} testId="home-display-settings-error" />
      {settings.isPending ? (
        <Skeleton active />
      ) : options.length === 0 ? (
        <Empty description={t('home.displaySettings.empty')} />
      ) : (
        <Checkbox.Group
          value={chosen}
          onChange={(values) => setChosen(values as string[])}
          data-testid="home-display-settings-options"
        >
          <Space direction="vertical">
            {options.map((option) => (
              <Checkbox key={option.code} value={option.code} data-testid={`home-display-option-${option.code}`}>
                {localized(option.names)}
                <Typography.Text type="secondary" style={{ marginInlineStart: 8, fontSize: 12 }}>
                  {option.code}
                </Typography.Text>
              </Checkbox>
            ))}
          </Space>
        </Checkbox.Group>
      )}
    </Modal>
  );
}
