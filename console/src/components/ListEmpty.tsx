import { Empty, Typography } from 'antd';

/** The empty state of a list: what shows here and how it gets there (or what to do first). */
export function ListEmpty({ title, description, testId }: { title: string; description?: string; testId: string }) {
  return (
    <Empty
      data-testid={testId}
      description={
        <>
          <Typography.Title level={5}>{title}</Typography.Title>
          {description && (
            <Typography.Paragraph type="secondary" style={{ maxWidth: 560, margin: '0 auto' }}>
              {description}
            </Typography.Paragraph>
          )}
        </>
      }
    />
  );
}
