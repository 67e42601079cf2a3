import { PlusOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { hasPermission, useSession } from '../../session/session';
import { ContactFormDrawer } from './detail/ContactFormDrawer';

/** 新建用户 (seed §1.4.1) on the 所有用户 page: the create drawer, then the new contact's detail. Needs 用户-编辑. */
export function CreateContactButton() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  if (!hasPermission(session, 'contacts.edit')) return null;
  return (
    <>
      <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="contacts-create">
        {t('contacts.detail.create')}
      </Button>
      {open && (
        <ContactFormDrawer
          onClose={() => setOpen(false)}
          onSaved={(contact) => {
            setOpen(false);
            navigate(`/contacts/${contact.id}`);
          }}
        />
      )}
    </>
  );
}
