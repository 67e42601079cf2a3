import { DeleteOutlined, DownOutlined, PlusOutlined } from '@ant-design/icons';
import {
  conditionLimits,
  type ConditionCatalogue,
  type ConditionGroup,
  type ConditionProblem,
  type ConditionTree,
} from '@huiliu/core/conditions';
import { Button, ConfigProvider, Dropdown, Flex, Radio, Space, theme, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { BuilderContext, useBuilder, type BuilderContextValue } from './builder-context';
import { placeProblems } from './condition-problems';
import {
  appendNode,
  canAddLeaf,
  countLeaves,
  isGroup,
  leafKinds,
  newLeaf,
  newNestedGroup,
  pathKey,
  removeNode,
  replaceNode,
  setGroupType,
  type LeafKind,
  type NodePath,
} from './condition-tree';
import { LeafEditor } from './LeafEditor';
import { ProblemList } from './ProblemList';

export interface ConditionBuilderProps {
  /** The tree being edited: a root AND/OR group (an empty root matches every contact). */
  value: ConditionTree;
  onChange: (tree: ConditionTree) => void;
  /** What leaves may refer to (`GET /api/v1/conditions/catalogue`). */
  catalogue: ConditionCatalogue;
  /** The server's validation problems; each shows on the leaf, filter row or group its path names. */
  problems?: readonly ConditionProblem[];
  disabled?: boolean;
}

type Edit = (change: (tree: ConditionTree) => ConditionTree) => void;

/** 且 / 或 of a group. */
function RelationSwitch({ group, path, edit }: { group: ConditionGroup; path: NodePath; edit: Edit }) {
  const { t } = useTranslation();
  return (
    <Radio.Group
      size="small"
      optionType="button"
      buttonStyle="solid"
      value={group.type}
      onChange={(change) => edit((tree) => setGroupType(tree, path, change.target.value as 'and' | 'or'))}
      options={[
        { value: 'and', label: t('conditions.relation.and') },
        { value: 'or', label: t('conditions.relation.or') },
      ]}
      aria-label={t('conditions.relation.label')}
      data-testid={`condition-group-${pathKey(path)}-relation`}
    />
  );
}

/**
 * The root group or a nested one: its relation, its children, and the add buttons. Only the root
 * offers 添加条件组 — a nested group holds leaves only (two levels, ADR 0015).
 */
function GroupEditor({ group, path, edit, leafCount }: { group: ConditionGroup; path: NodePath; edit: Edit; leafCount: number }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const { catalogue, problems, disabled } = useBuilder();
  const key = pathKey(path);
  const isRoot = path.length === 0;
  // An explicit `disabled={false}` would override antd's componentDisabled: merge it here.
  const cannotAdd = disabled || leafCount >= conditionLimits.leaves;

  const add = (kind: LeafKind) => {
    const leaf = newLeaf(kind, catalogue);
    if (leaf) edit((tree) => appendNode(tree, path, leaf));
  };

  return (
    <div
      role="group"
      aria-label={isRoot ? t('conditions.root') : t('conditions.nestedGroup')}
      data-testid={`condition-group-${key}`}
      style={
        isRoot
          ? undefined
          : {
              border: `1px dashed ${token.colorBorder}`,
              borderRadius: token.borderRadius,
              padding: token.paddingXS,
              background: token.colorFillQuaternary,
            }
      }
    >
      <Flex gap={token.marginXS} align="stretch">
        <Flex vertical align="center" gap={token.marginXXS}>
          <RelationSwitch group={group} path={path} edit={edit} />
          {group.conditions.length > 1 && (
            <div style={{ flex: 1, width: 0, borderInlineStart: `1px solid ${token.colorPrimaryBorder}` }} />
          )}
        </Flex>
        <Flex vertical gap={token.marginXS} style={{ flex: 1, minWidth: 0 }}>
          <ProblemList problems={problems.at(path)} testId={`condition-group-${key}-problems`} />
          {group.conditions.length === 0 && isRoot && (
            <Typography.Text type="secondary" data-testid="condition-empty">
              {t('conditions.empty')}
            </Typography.Text>
          )}
          {group.conditions.map((child, index) => {
            const childPath = [...path, index];
            return isGroup(child) ? (
              <GroupEditor key={index} group={child} path={childPath} edit={edit} leafCount={leafCount} />
            ) : (
              <LeafEditor
                key={index}
                leaf={child}
                path={childPath}
                onChange={(leaf) => edit((tree) => replaceNode(tree, childPath, leaf))}
                onRemove={() => edit((tree) => removeNode(tree, childPath))}
              />
            );
          })}
          <Space size={token.marginXS} wrap>
            <Dropdown
              trigger={['click']}
              disabled={cannotAdd}
              menu={{
                items: leafKinds.map((kind) => ({
                  key: kind,
                  label: t(`conditions.kinds.${kind}`),
                  disabled: !canAddLeaf(kind, catalogue),
                  title: canAddLeaf(kind, catalogue)
                    ? undefined
                    : t('conditions.add.unavailable', { kind: t(`conditions.kinds.${kind}`) }),
                })),
                onClick: ({ key: kind }) => add(kind as LeafKind),
              }}
            >
              <Button size="small" type="dashed" icon={<PlusOutlined />} data-testid={`condition-group-${key}-add`}>
                {t('conditions.add.condition')} <DownOutlined />
              </Button>
            </Dropdown>
            {!isRoot && (
              <Button
                size="small"
                type="link"
                danger
                icon={<DeleteOutlined />}
                onClick={() => edit((tree) => removeNode(tree, path))}
                data-testid={`condition-group-${key}-remove`}
              >
                {t('conditions.remove.group')}
              </Button>
            )}
            {isRoot && (
              <Button
                size="small"
                type="dashed"
                icon={<PlusOutlined />}
                disabled={cannotAdd}
                onClick={() => edit((tree) => appendNode(tree, path, newNestedGroup(group.type, catalogue)))}
                data-testid="condition-add-group"
              >
                {t('conditions.add.group')}
              </Button>
            )}
          </Space>
        </Flex>
      </Flex>
    </div>
  );
}

/**
 * The condition builder (seed §1.5.1, §3.3): a root 且/或 group of 用户属性, 用户行为, 用户群组 and
 * 用户标签 conditions and of nested 且/或 groups of them (two levels). Controlled: every edit calls
 * `onChange` with a new, well-formed tree.
 */
export function ConditionBuilder({ value, onChange, catalogue, problems, disabled = false }: ConditionBuilderProps) {
  const context = useMemo<BuilderContextValue>(
    () => ({ catalogue, problems: placeProblems(value, problems), disabled }),
    [catalogue, problems, value, disabled],
  );
  const edit: Edit = (change) => onChange(change(value));
  return (
    <ConfigProvider componentDisabled={disabled}>
      <BuilderContext.Provider value={context}>
        <div data-testid="condition-builder">
          <GroupEditor group={value} path={[]} edit={edit} leafCount={countLeaves(value)} />
        </div>
      </BuilderContext.Provider>
    </ConfigProvider>
  );
}
