import { DeleteOutlined } from '@ant-design/icons';
import type { ConditionLeaf } from '@huiliu/core/conditions';
import { Button, Flex, Tag, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { useBuilder } from './builder-context';
import { pathKey, type NodePath } from './condition-tree';
import { EventLeaf } from './EventLeaf';
import { GroupLeaf, TagLeaf } from './MembershipLeaves';
import { ProblemList } from './ProblemList';
import { PropertyLeaf } from './PropertyLeaf';

/** One leaf: its kind, the editor of that kind, a remove button, and the server's problems about it. */
export function LeafEditor({
  leaf,
  path,
  onChange,
  onRemove,
}: {
  leaf: ConditionLeaf;
  path: NodePath;
  onChange: (leaf: ConditionLeaf) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const { problems: placement } = useBuilder();
  const testId = `condition-${pathKey(path)}`;
  const problems = placement.at(path);

  let editor;
  switch (leaf.type) {
    case 'property':
      editor = <PropertyLeaf leaf={leaf} onChange={onChange} problems={problems} testId={testId} />;
      break;
    case 'event':
      editor = <EventLeaf leaf={leaf} onChange={onChange} path={path} problems={problems} />;
      break;
    case 'group':
      editor = <GroupLeaf leaf={leaf} onChange={onChange} problems={problems} testId={testId} />;
      break;
    case 'tag':
      editor = <TagLeaf leaf={leaf} onChange={onChange} problems={problems} testId={testId} />;
      break;
  }

  return (
    <div
      data-testid={`${testId}-leaf`}
      data-leaf-type={leaf.type}
      role="group"
      aria-label={t(`conditions.kinds.${leaf.type}`)}
      aria-invalid={problems.length > 0 || undefined}
    >
      <Flex gap={token.marginXS} align="flex-start">
        <Tag color={problems.length > 0 ? 'error' : undefined} style={{ marginInlineEnd: 0, marginTop: 5 }}>
          {t(`conditions.kinds.${leaf.type}`)}
        </Tag>
        <div style={{ flex: 1, minWidth: 0 }}>{editor}</div>
        <Button
          type="text"
          icon={<DeleteOutlined />}
          onClick={onRemove}
          aria-label={t('conditions.remove.leaf')}
          title={t('conditions.remove.leaf')}
          data-testid={`${testId}-remove`}
        />
      </Flex>
      <ProblemList problems={problems} testId={`${testId}-problems`} />
    </div>
  );
}
