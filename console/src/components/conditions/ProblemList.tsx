import { theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../i18n';
import type { PlacedProblem } from './condition-problems';

/** The server's messages about one node or filter row, in red below it (as a Form.Item's help). */
export function ProblemList({ problems, testId }: { problems: readonly PlacedProblem[]; testId: string }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  if (problems.length === 0) return null;
  return (
    <div
      role="alert"
      data-testid={testId}
      style={{ color: token.colorError, fontSize: token.fontSizeSM, lineHeight: token.lineHeightSM }}
    >
      {problems.map((problem, index) => (
        <div key={`${problem.path}-${index}`}>
          {problem.message || errorText(problem.code) || t('conditions.problem.fallback', { code: problem.code })}
        </div>
      ))}
    </div>
  );
}
