import { ListEmpty } from '../../components/ListEmpty';
import type { ProColumns } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Input, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DICTIONARY_MAX_BYTES, metadataApi, metadataKeys, type DictionaryEntry, type DictionaryInfo } from '../../api/metadata';
import { useSession } from '../../session/session';
import { formatDateTime, formatNumber } from '../../utils/format';
import { CsvUploadModal } from './CsvUploadModal';
import { actionsColumn, codeColumn, ConfirmLink, MetadataPage, MetadataTable, useRowAction } from './scaffold';
import { useCanManageMetadata } from './shared';

const entryKey = (entry: Pick<DictionaryEntry, 'target' | 'property'>) => `${entry.target}:${entry.property}`;
const knownSources = ['system', 'sdk', 'custom'] as const;

/**
 * 上传字典表 (§1.10.12.2.1): a `value,label` CSV of at most 2 MB. A refusal lists its row errors and
 * the dialog stays open for another file; each upload replaces the whole dictionary.
 */
export function DictionaryUploadModal({
  entry,
  onClose,
  onUploaded,
}: {
  entry: DictionaryEntry;
  onClose: () => void;
  onUploaded: (dictionary: DictionaryInfo) => void;
}) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  return (
    <CsvUploadModal<DictionaryInfo>
      title={t('metadata.dictionaries.upload.title', { name: entry.propertyName || entry.property })}
      hint={t('metadata.dictionaries.upload.hint')}
      selectText={t('metadata.dictionaries.upload.select')}
      submitText={t('metadata.dictionaries.upload.submit')}
      requiredText={t('metadata.dictionaries.upload.required')}
      maxBytes={DICTIONARY_MAX_BYTES}
      tooLargeText={t('metadata.dictionaries.upload.tooLarge')}
      upload={(file) => metadataApi.uploadDictionary(entry.target, entry.property, file)}
      onDone={(dictionary) => {
        message.success(t('metadata.dictionaries.upload.success', { rows: formatNumber(dictionary.rowCount, i18n.language) }));
        onUploaded(dictionary);
      }}
      onClose={onClose}
      testIdPrefix="dictionary-upload"
    />
  );
}

/** 字典表 (§1.10.12): the string event and contact properties, each with 上传 / 下载 / 删除 of its dictionary. */
export default function DictionariesPage() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: metadataKeys.dictionaries, queryFn: metadataApi.dictionaries });
  const [uploading, setUploading] = useState<DictionaryEntry | null>(null);
  // Tens of string properties over several pages: find one by its ID or display name.
  const [keyword, setKeyword] = useState('');
  const needle = keyword.trim().toLowerCase();
  const shown = (list.data ?? []).filter(
    (entry) =>
      needle === '' || entry.property.toLowerCase().includes(needle) || entry.propertyName.toLowerCase().includes(needle),
  );

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.dictionaries });

  const runRowAction = useRowAction(refresh);
  const remove = (dictionaryId: string) => runRowAction(() => metadataApi.deleteDictionary(dictionaryId), t('metadata.deleted'));

  const sourceText = (source: string) =>
    (knownSources as readonly string[]).includes(source)
      ? t(`metadata.dictionaries.sources.${source as (typeof knownSources)[number]}`)
      : source;

  const columns: ProColumns<DictionaryEntry>[] = [
    {
      title: t('metadata.dictionaries.columns.target'),
      dataIndex: 'target',
      width: 90,
      filters: [
        { text: t('metadata.targets.event'), value: 'event' },
        { text: t('metadata.targets.contact'), value: 'contact' },
      ],
      onFilter: (value, entry) => entry.target === value,
      render: (_, entry) => (
        <Tag color={entry.target === 'event' ? 'blue' : 'purple'}>{t(`metadata.targets.${entry.target}`)}</Tag>
      ),
    },
    codeColumn<DictionaryEntry>(t('metadata.dictionaries.columns.property'), 'property'),
    { title: t('metadata.dictionaries.columns.name'), dataIndex: 'propertyName', ellipsis: true },
    {
      title: t('metadata.dictionaries.columns.source'),
      dataIndex: 'source',
      render: (_, entry) => sourceText(entry.source),
    },
    {
      title: t('metadata.dictionaries.columns.dictionary'),
      key: 'dictionary',
      render: (_, entry) =>
        entry.dictionary ? (
          <Tag color="green" data-testid="dictionary-rows">
            {t('metadata.dictionaries.rows', { rows: formatNumber(entry.dictionary.rowCount, i18n.language) })}
          </Tag>
        ) : (
          <Typography.Text type="secondary" data-testid="dictionary-none">
            {t('metadata.dictionaries.notUploaded')}
          </Typography.Text>
        ),
    },
    {
      title: t('metadata.dictionaries.columns.updatedAt'),
      key: 'updatedAt',
      width: 170,
      render: (_, entry) => (entry.dictionary ? formatDateTime(entry.dictionary.updatedAt, session.tenant.timeZone) : ''),
    },
    actionsColumn<DictionaryEntry>(t, (_, entry) => {
      const dictionary = entry.dictionary;
      return [
        canManage && (
          <Typography.Link key="upload" onClick={() => setUploading(entry)} data-testid="dictionary-upload">
            {t('metadata.dictionaries.actions.upload')}
          </Typography.Link>
        ),
        dictionary ? (
          <Typography.Link
            key="download"
            href={metadataApi.dictionaryDownloadUrl(dictionary.id)}
            download
            data-testid="dictionary-download"
          >
            {t('metadata.dictionaries.actions.download')}
          </Typography.Link>
        ) : (
          <Tooltip key="download" title={t('metadata.dictionaries.noDictionary')}>
            <Typography.Link disabled aria-disabled data-testid="dictionary-download">
              {t('metadata.dictionaries.actions.download')}
            </Typography.Link>
          </Tooltip>
        ),
        canManage &&
          (dictionary ? (
            <ConfirmLink
              key="delete"
              title={t('metadata.dictionaries.remove.title', { name: entry.propertyName || entry.property })}
              description={t('metadata.dictionaries.remove.description')}
              confirmTestId={`dictionary-delete-confirm-${dictionary.id}`}
              onConfirm={() => remove(dictionary.id)}
              testId="dictionary-delete"
            >
              {t('metadata.dictionaries.actions.delete')}
            </ConfirmLink>
          ) : (
            <Tooltip key="delete" title={t('metadata.dictionaries.noDictionary')}>
              <Typography.Link type="danger" disabled aria-disabled data-testid="dictionary-delete">
                {t('metadata.dictionaries.actions.delete')}
              </Typography.Link>
            </Tooltip>
          )),
      ];
    }),
  ];

  return (
    <MetadataPage
      testId="dictionaries-page"
      title={t('metadata.dictionaries.title')}
      description={t('metadata.dictionaries.description')}
      canManage={canManage}
      list={list}
      loadErrorTestId="dictionaries-load-error"
    >
      <MetadataTable<DictionaryEntry>
        list={list}
        rowKey={entryKey}
        columns={columns}
        dataSource={shown}
        toolBarRender={() => [
          <Input.Search
            key="search"
            allowClear
            placeholder={t('metadata.dictionaries.search')}
            aria-label={t('metadata.dictionaries.search')}
            onChange={(event) => setKeyword(event.target.value)}
            style={{ width: 240 }}
            data-testid="dictionaries-search"
          />,
        ]}
        rowTestId={(entry) => `dictionary-row-${entry.target}-${entry.property}`}
        loadFailedTestId="dictionaries-load-failed"
        empty={
          needle !== '' ? (
            <ListEmpty title={t('metadata.dictionaries.noMatch')} testId="dictionaries-no-match" />
          ) : (
            <ListEmpty
              title={t('metadata.dictionaries.empty.title')}
              description={t('metadata.dictionaries.empty.description')}
              testId="dictionaries-empty"
            />
          )
        }
      />
      {uploading && (
        <DictionaryUploadModal
          key={entryKey(uploading)}
          entry={uploading}
          onClose={() => setUploading(null)}
          onUploaded={refresh}
        />
      )}
    </MetadataPage>
  );
}
