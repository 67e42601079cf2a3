import type { Comparison, GroupCondition, TagCondition } from '@huiliu/core/conditions';
import { Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { useBuilder } from './builder-context';
import { hasFieldProblem, type PlacedProblem } from './condition-problems';
import { pickComparison, retargetComparison } from './condition-tree';
import { ComparisonInput } from './ComparisonInput';
import { matchOption } from './PropertySelect';

/** 用户群组: the contact is (在) or is not (不在) in a user group. */
export function GroupLeaf({
  leaf,
  onChange,
  problems,
  testId,
}: {
  leaf: GroupCondition;
  onChange: (leaf: GroupCondition) => void;
  problems: readonly PlacedProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { catalogue } = useBuilder();
  return (
    <Space size={4} wrap>
      <Select<GroupCondition['operator']>
        value={leaf.operator}
        onChange={(operator) => onChange({ ...leaf, operator })}
        options={[
          { value: 'in', label: t('conditions.group.in') },
          { value: 'notIn', label: t('conditions.group.notIn') },
        ]}
        aria-label={t('conditions.group.operator')}
        data-testid={`${testId}-operator`}
        status={hasFieldProblem(problems, 'operator') ? 'error' : undefined}
        style={{ width: 80 }}
      />
      <Select<string>
        showSearch
        filterOption={matchOption}
        value={leaf.groupId || undefined}
        onChange={(groupId) => onChange({ ...leaf, groupId })}
        options={catalogue.groups.map((group) => ({ value: group.id, label: group.name }))}
        placeholder={t('conditions.group.placeholder')}
        aria-label={t('conditions.group.label')}
        data-testid={`${testId}-group`}
        status={hasFieldProblem(problems, 'groupId') ? 'error' : undefined}
        popupMatchSelectWidth={false}
        style={{ minWidth: 180 }}
      />
    </Space>
  );
}

/** 用户标签: a tag's value compared with the operators of the tag's type. */
export function TagLeaf({
  leaf,
  onChange,
  problems,
  testId,
}: {
  leaf: TagCondition;
  onChange: (leaf: TagCondition) => void;
  problems: readonly PlacedProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { catalogue } = useBuilder();
  const tag = catalogue.tags.find((candidate) => candidate.id === leaf.tagId);
  const kind = tag && { type: tag.type };
  const comparison = pickComparison(leaf);
  return (
    <Space size={4} wrap>
      <Select<string>
        showSearch
        filterOption={matchOption}
        value={leaf.tagId || undefined}
        onChange={(tagId) => {
          const next = catalogue.tags.find((candidate) => candidate.id === tagId);
          if (!next) return;
          onChange({ type: 'tag', tagId, ...retargetComparison(comparison, kind, { type: next.type }) });
        }}
        options={catalogue.tags.map((candidate) => ({ value: candidate.id, label: candidate.name }))}
        placeholder={t('conditions.tag.placeholder')}
        aria-label={t('conditions.tag.label')}
        data-testid={`${testId}-tag`}
        status={hasFieldProblem(problems, 'tagId') ? 'error' : undefined}
        popupMatchSelectWidth={false}
        style={{ minWidth: 180 }}
      />
      <ComparisonInput
        kind={kind}
        value={comparison}
        onChange={(next: Comparison) => onChange({ type: 'tag', tagId: leaf.tagId, ...next })}
        testId={testId}
        operatorStatus={hasFieldProblem(problems, 'operator') ? 'error' : undefined}
        valueStatus={hasFieldProblem(problems, 'values', 'range') ? 'error' : undefined}
      />
    </Space>
  );
}
