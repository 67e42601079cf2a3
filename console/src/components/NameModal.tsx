import { App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useApplyFieldErrors, useErrorText } from '../utils/errors';
import { testId as dataTestId } from '../utils/test-id';

/**
 * A name asked for in a modal (保存报表, 另存为, 新建仪表盘, 重命名…): required, trimmed, at most
 * `max` characters. A server error about the name shows on the field (`nameCodes`), any other in a
 * message; the modal stays open until `onSubmit` succeeds.
 */
export function NameModal({
  title,
  label,
  placeholder,
  requiredMessage,
  initialName,
  max,
  nameCodes = [],
  onClose,
  onSubmit,
  testId = 'name-modal',
}: {
  title: string;
  label: string;
  placeholder?: string;
  requiredMessage: string;
  initialName: string;
  max: number;
  /** Error codes about the name (e.g. `dashboard_name_taken`). */
  nameCodes?: string[];
  onClose: () => void;
  onSubmit: (name: string) => Promise<unknown>;
  testId?: string;
}) {
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ name: string }>();
  const applyFieldErrors = useApplyFieldErrors();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const { name } = await form.validateFields();
    setSaving(true);
    try {
      await onSubmit(name.trim());
      onClose();
    } catch (error) {
      const fields = Object.fromEntries(nameCodes.map((code) => [code, 'name']));
      if (!applyFieldErrors(form, error, fields)) void message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={saving}
      okButtonProps={dataTestId(`${testId}-ok`)}
      data-testid={testId}
    >
      <Form form={form} layout="vertical" initialValues={{ name: initialName }} onFinish={() => void submit()}>
        <Form.Item name="name" label={label} rules={[{ required: true, whitespace: true, message: requiredMessage }]}>
          <Input maxLength={max} placeholder={placeholder} autoFocus data-testid={`${testId}-input`} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
