/** A value bound to a positional `?` parameter (what `TenantAnalytics.query` accepts). */
export type SqlParam = string | number | bigint | boolean | null;

/**
 * A piece of generated SQL with its parameters in order. Values never enter the text: a fragment
 * only grows by appending text written by code (`raw`) or other fragments, so a parameter's `?`
 * and its value can never drift apart.
 */
export class SqlFragment {
  private constructor(
    readonly text: string,
    readonly params: readonly SqlParam[],
  ) {}

  static raw(text: string): SqlFragment {
    return new SqlFragment(text, []);
  }

  /** `?` (or the dialect's typed placeholder, e.g. `CAST(? AS DATE)`) bound to `value`. */
  static param(value: SqlParam, placeholder = '?'): SqlFragment {
    if ((placeholder.match(/\?/g) ?? []).length !== 1) throw new Error(`placeholder "${placeholder}" must hold one "?"`);
    return new SqlFragment(placeholder, [value]);
  }

  /**
   * Text holding `?` placeholders (e.g. a dialect function applied to `'?'` arguments) with their
   * values, in order. The counts must agree.
   */
  static withPlaceholders(text: string, params: readonly SqlParam[]): SqlFragment {
    const count = (text.match(/\?/g) ?? []).length;
    if (count !== params.length) throw new Error(`${count} placeholders for ${params.length} parameters in "${text}"`);
    return new SqlFragment(text, [...params]);
  }

  static join(parts: readonly SqlFragment[], separator: string): SqlFragment {
    return new SqlFragment(
      parts.map((p) => p.text).join(separator),
      parts.flatMap((p) => p.params),
    );
  }

  /** Concatenates text and fragments: `sql('a = ', SqlFragment.param(1), ' AND ', other)`. */
  static concat(...parts: (string | SqlFragment)[]): SqlFragment {
    return SqlFragment.join(
      parts.map((p) => (typeof p === 'string' ? SqlFragment.raw(p) : p)),
      '',
    );
  }

  /** `(…)`. */
  wrap(): SqlFragment {
    return SqlFragment.concat('(', this, ')');
  }
}

export const sql = SqlFragment.concat;
