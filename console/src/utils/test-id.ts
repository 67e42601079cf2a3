/**
 * `data-testid` for props objects typed without data attributes (antd `fieldProps`,
 * `submitButtonProps`…). In JSX write `data-testid` directly.
 */
export function testId(id: string): { 'data-testid': string } {
  return { 'data-testid': id };
}
