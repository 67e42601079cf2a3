import { App } from 'antd';
import { useErrorText } from '../../../utils/errors';

/**
 * A row action of the 高级设置 lists: runs it, toasts success or the server's error, and refreshes
 * the list either way (a row changed or deleted meanwhile shows as it is now).
 */
export function useRowAction(refresh: () => void) {
  const { message } = App.useApp();
  const errorText = useErrorText();
  return async (action: () => Promise<unknown>, success: string): Promise<void> => {
    try {
      await action();
      message.success(success);
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };
}
