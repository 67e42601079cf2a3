import { Button, Result } from 'antd';
import { Link } from 'react-router-dom';

/** A whole-page 403/404 with one way out (e.g. back home, back to the list). */
export function StatusResult(props: {
  status: '403' | '404';
  title: string;
  subTitle: string;
  backTo: string;
  backLabel: string;
  testId?: string;
}) {
  // antd's Result does not pass data attributes on: the wrapper carries the test id.
  return (
    <div data-testid={props.testId}>
      <Result
        status={props.status}
        title={props.title}
        subTitle={props.subTitle}
        extra={
          <Link to={props.backTo}>
            <Button type="primary">{props.backLabel}</Button>
          </Link>
        }
      />
    </div>
  );
}
