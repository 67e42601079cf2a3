// @vitest-environment jsdom
import '../../test-utils/dom';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DictionaryEntry, DictionaryInfo } from '../../api/metadata';
import { stubFetch, type FakeReply } from '../../test-utils/fetch';
import { DictionaryUploadModal } from './DictionariesPage';

const entry: DictionaryEntry = {
  target: 'event',
  property: 's_originScene',
  propertyName: '原始场景',
  source: 'system',
  dictionary: null,
};

const refused: FakeReply = {
  status: 400,
  body: {
    statusCode: 400,
    code: 'metadata_dictionary_invalid',
    message: '字典表有 2 行有误',
    details: [
      { path: 'rows.3', code: 'metadata_dictionary_label_missing', message: '缺少描述（label）' },
      { path: 'rows.7', code: 'metadata_dictionary_duplicate', message: '值「1001」重复' },
    ],
    requestId: 'r1',
  },
};

function renderModal() {
  const onClose = vi.fn();
  const onUploaded = vi.fn<(dictionary: DictionaryInfo) => void>();
  render(
    <ConfigProvider theme={{ token: { motion: false } }}>
      <App>
        <DictionaryUploadModal entry={entry} onClose={onClose} onUploaded={onUploaded} />
      </App>
    </ConfigProvider>,
  );
  const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
  const fileInput = () => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="dictionary-upload-modal"] input[type="file"]');
    expect(input, 'the file input').not.toBeNull();
    return input!;
  };
  return { user, onClose, onUploaded, fileInput };
}

const csv = (text: string, name = 'scene.csv') => new File([text], name, { type: 'text/csv' });

afterEach(() => vi.unstubAllGlobals());

describe('DictionaryUploadModal (§1.10.12.2.1)', () => {
  it('shows the row errors of a refused file, stays open, and uploads the corrected file', async () => {
    const replies: FakeReply[] = [refused, { status: 200, body: { id: '5', rowCount: 1200, updatedAt: 1_700_000_000_000 } }];
    const requests = stubFetch(() => replies.shift()!);
    const { user, onClose, onUploaded, fileInput } = renderModal();
    expect(screen.getByText('上传字典表：原始场景')).toBeTruthy();

    // Nothing chosen: said at once, nothing sent.
    await user.click(screen.getByTestId('dictionary-upload-submit'));
    expect(screen.getByTestId('dictionary-upload-problem').textContent).toBe('请选择文件');
    expect(requests).toHaveLength(0);

    await user.upload(fileInput(), csv('value,label\n1001,发现栏小程序主入口\n1001,重复'));
    await user.click(screen.getByTestId('dictionary-upload-submit'));
    const rows = await screen.findAllByTestId('dictionary-upload-row-error');
    expect(rows.map((row) => row.textContent)).toEqual(['第 3 行：缺少描述（label）', '第 7 行：值「1001」重复']);
    expect(screen.getByTestId('dictionary-upload-error').textContent).toContain('文件有 2 处问题，请修正后重新上传：');
    expect(onClose).not.toHaveBeenCalled();
    expect(onUploaded).not.toHaveBeenCalled();

    // The request: a multipart POST naming the property, the file under `file`, no JSON content type.
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.url).toBe('/api/v1/metadata/dictionaries/upload?target=event&property=s_originScene');
    expect(requests[0]!.body).toBeInstanceOf(FormData);
    expect(((requests[0]!.body as FormData).get('file') as File).name).toBe('scene.csv');
    expect(requests[0]!.headers['Content-Type']).toBeUndefined();

    // Another file, accepted: the dialog reports it and closes.
    await user.upload(fileInput(), csv('value,label\n1001,发现栏小程序主入口', 'scene-fixed.csv'));
    await user.click(screen.getByTestId('dictionary-upload-submit'));
    await waitFor(() => expect(onUploaded).toHaveBeenCalledWith({ id: '5', rowCount: 1200, updatedAt: 1_700_000_000_000 }));
    expect(onClose).toHaveBeenCalled();
    expect(((requests[1]!.body as FormData).get('file') as File).name).toBe('scene-fixed.csv');
    expect(await screen.findByText('字典表已上传（1,200 行）')).toBeTruthy();
  });

  it('refuses a file over 2 MB before sending it', async () => {
    const requests = stubFetch(() => ({ status: 500 }));
    const { user, fileInput } = renderModal();
    await user.upload(fileInput(), csv('x'.repeat(2 * 1024 * 1024 + 1), 'big.csv'));
    expect(screen.getByTestId('dictionary-upload-problem').textContent).toBe('文件超过 2 MB');
    await user.click(screen.getByTestId('dictionary-upload-submit'));
    expect(screen.getByTestId('dictionary-upload-problem').textContent).toBe('请选择文件');
    expect(requests).toHaveLength(0);
  });

  it('shows a refusal without row errors as the server’s message', async () => {
    stubFetch(() => ({
      status: 400,
      body: { statusCode: 400, code: 'metadata_dictionary_too_large', message: '字典表文件不能超过 2 MB', requestId: 'r2' },
    }));
    const { user, onClose, fileInput } = renderModal();
    await user.upload(fileInput(), csv('value,label\n1,a'));
    await user.click(screen.getByTestId('dictionary-upload-submit'));
    await waitFor(() => expect(screen.getByTestId('dictionary-upload-error').textContent).toContain('字典表文件不能超过 2 MB'));
    expect(screen.queryAllByTestId('dictionary-upload-row-error')).toHaveLength(0);
    expect(onClose).not.toHaveBeenCalled();
  });
});
