export declare const ALL_ENGINES: string[];

export interface VitestJsonReport {
  testResults?: {
    name: string;
    status: string;
    assertionResults?: { status: string; title: string; fullName: string; ancestorTitles?: string[] }[];
  }[];
}

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  engines: string[];
  e2e: boolean;
  notRun: string[];
  failedChecks: string[];
  line: string;
}

export declare function summarize(
  report: VitestJsonReport | undefined,
  checks: { name: string; ok: boolean }[],
  options: { root: string; exitCode?: number },
): TestSummary;
