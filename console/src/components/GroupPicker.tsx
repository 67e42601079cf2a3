import { PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Divider, Select, Tooltip } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, selectionKey, selectionKeys, selectionsApi } from '../api/group-selections';
import { TemporaryGroupModal } from './TemporaryGroupModal';

/**
 * 选择查看群组 (seed §1.7.4.3, §1.7.10): groups (dynamic, static), each 互斥组 as one kind with its
 * segments, and the caller's temporary groups, with 添加临时群组 at the foot of the list (at most 3
 * per account). Values are selection keys (`group:<id>`, `exclusive:<id>:<position>`,
 * `temporary:<id>`; see api/group-selections.ts). Reports and the comparison use it.
 */
export function GroupPicker({
  value,
  onChange,
  max = COMPARE_MAX,
  testId = 'group-picker',
}: {
  value: string[];
  onChange: (value: string[]) => void;
  max?: number;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState(false);
  const choices = useQuery({ queryKey: selectionKeys.choices, queryFn: selectionsApi.choices });
  const data = choices.data;
  const temporaryCount = data?.temporaryGroups.length ?? 0;
  const full = data !== undefined && temporaryCount >= data.temporaryLimit;
  const options = data
    ? [
        {
          label: t('groupSelections.picker.groups'),
          title: 'groups',
          options: data.groups.map((g) => ({
            value: selectionKey({ type: 'group', groupId: g.id }),
            label: `${g.name}（${t(`groups.kind.${g.kind}` as 'groups.kind.static')}）`,
          })),
        },
        ...data.exclusiveGroups.map((x) => ({
          label: `${t('groupSelections.picker.exclusive')}：${x.name}`,
          title: `exclusive-${x.id}`,
          options: x.segments.map((s) => ({
            value: selectionKey({ type: 'exclusive', exclusiveGroupId: x.id, position: s.position }),
            label: `${x.name} / ${s.position}. ${s.name}`,
          })),
        })),
        {
          label: t('groupSelections.picker.temporary'),
          title: 'temporary',
          options: data.temporaryGroups.map((g) => ({
            value: selectionKey({ type: 'temporary', temporaryGroupId: g.id }),
            label: `${g.name}（${t('groupSelections.picker.temporaryTag')}）`,
          })),
        },
      ]
    : [];
  return (
    <>
      <Select
        mode="multiple"
        style={{ minWidth: 360 }}
        value={value}
        onChange={(next: string[]) => onChange(next.slice(0, max))}
        maxCount={max}
        open={open}
        onDropdownVisibleChange={setOpen}
        loading={choices.isLoading}
        placeholder={t('groupSelections.picker.placeholder')}
        options={options}
        optionFilterProp="label"
        data-testid={testId}
        dropdownRender={(menu) => (
          <>
            {menu}
            <Divider style={{ margin: '4px 0' }} />
            <Tooltip title={full ? t('groupSelections.temporary.limit', { max: data?.temporaryLimit }) : undefined}>
              <Button
                type="link"
                icon={<PlusOutlined />}
                disabled={full}
                onClick={() => {
                  setOpen(false);
                  setAdding(true);
                }}
                data-testid={`${testId}-add-temporary`}
              >
                {t('groupSelections.temporary.add', { count: temporaryCount, max: data?.temporaryLimit ?? 3 })}
              </Button>
            </Tooltip>
          </>
        )}
      />
      {adding && (
        <TemporaryGroupModal
          onClose={() => setAdding(false)}
          onSaved={(saved) => {
            const key = selectionKey({ type: 'temporary', temporaryGroupId: saved.id });
            if (value.length < max) onChange([...value, key]);
          }}
        />
      )}
    </>
  );
}
