/**
 * Pure CPU-heavy functions run in the piscina pool. They never open a store: input in, output
 * out (ARCHITECTURE §7). Compiled to dist/jobs/workers/pure.js, which the pool loads.
 */
import { createHash } from 'node:crypto';
import { parseContactSheet, writeFailureSheet, type ParseOptions } from '../../modules/contact-imports/contact-sheet.js';
import type { FailureRow, ParsedSheet } from '../../modules/contact-imports/contact-imports.types.js';
import { scoreText, type SentimentResult } from '../../lib/sentiment/score.js';
import { parseTagFile, type ParsedTagFile, type TagFileOptions } from '../../modules/tags/tag-file.js';

export type PureTask =
  | { fn: 'sha256'; input: string }
  /** 情感标签: Chinese sentiment of comment texts (ADR 0047). */
  | { fn: 'scoreSentiment'; input: readonly string[] }
  /** 用户导入 / 批量编辑用户: reads and checks an uploaded contacts xlsx (ADR 0033). */
  | { fn: 'parseContactSheet'; input: { bytes: Uint8Array; options: ParseOptions } }
  /** 外部文件标签: reads an uploaded CSV / xlsx of user IDs and values (ADR 0045). */
  | { fn: 'parseTagFile'; input: { bytes: Uint8Array; options: TagFileOptions } }
  /** The failure file of an import or batch edit. */
  | {
      fn: 'writeFailureSheet';
      input: { marker: string; keys: string[]; labels: string[]; rowLabel: string; reasonsLabel: string; rows: FailureRow[] };
    };

export default function run(
  task: PureTask,
): string | SentimentResult[] | Promise<ParsedSheet> | Promise<Uint8Array> | Promise<ParsedTagFile> {
  switch (task.fn) {
    case 'sha256':
      return createHash('sha256').update(task.input).digest('hex');
    case 'scoreSentiment':
      return task.input.map((text) => scoreText(text));
    case 'parseContactSheet':
      return parseContactSheet(task.input.bytes, task.input.options);
    case 'parseTagFile':
      return parseTagFile(task.input.bytes, task.input.options);
    case 'writeFailureSheet':
      return writeFailureSheet(task.input);
    default:
      throw new Error(`Unknown pure function ${(task as { fn: string }).fn}`);
  }
}
