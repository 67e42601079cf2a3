import { OlapSqlRefusedError } from '../errors.js';

/**
 * The one translation from the SQL the guard checked (DuckDB's spelling, resolved to physical names
 * by `TenantRelations.resolve`) to the text StarRocks runs (ADR 0066). Logical SQL stays parseable by
 * DuckDB's parser for both engines — one guard, one allow-list — so everything engine-specific that
 * a token can carry is turned here, and everything else is refused rather than guessed:
 *
 * | DuckDB text                        | StarRocks text                  | why                                                        |
 * |------------------------------------|---------------------------------|------------------------------------------------------------|
 * | `"ident"` (`""` inside)            | `` `ident` `` (`` `` `` inside) | StarRocks reads `"…"` as a string (DOUBLE_QUOTED_TEXT)     |
 * | `'a\b'`                            | `'a\\b'`                        | StarRocks strings take `\` escapes (SINGLE_QUOTED_TEXT)    |
 * | `-- …`, `/* … *\/`                 | a blank                         | `/*+ … *\/` would be an optimizer hint                     |
 * | `CAST(x AS T[])`                   | `CAST(x AS ARRAY<T>)`           | DuckDB's list type spelling                                |
 * | `CAST(x AS TIMESTAMP)`, `TEXT`     | `DATETIME`, `VARCHAR`           | StarRocks has no TIMESTAMP / TEXT type (baseType)          |
 * | `TIMESTAMP '…'`                    | `DATETIME '…'`                  | dateLiteral is `(DATE \| DATETIME) string`                 |
 * | `ANTI JOIN`, `SEMI JOIN`           | `LEFT ANTI JOIN`, `LEFT SEMI …` | outerAndSemiJoinType has only the LEFT / RIGHT forms       |
 * | `a ~~ b`, `a !~~ b`                | `a LIKE b`, `a NOT LIKE b`      | how DuckDB renders LIKE (operator SQL is regenerated)      |
 * | `count_star()`                     | `count(*)`                      | how DuckDB renders count(*)                                |
 * | `main.list_value(a, b)`            | `[a, b]`                        | how DuckDB renders a list constructor                      |
 *
 * Refused (`olap_sql_unsupported`): `::`, `//`, `||` (StarRocks' logical OR unless PIPES_AS_CONCAT),
 * `^` (StarRocks' XOR), `**`, `&&`, `~`, `->`, `@`, `:`, `{}`, `$`, `#`, `==`, E'…' / X'…' / B'…'
 * strings, numbers glued to letters (`1_000`, `0x10`), ASOF, POSITIONAL, QUALIFY, EXCLUDE, COLUMNS(…),
 * FILTER (…), ILIKE / GLOB / SIMILAR, DISTINCT ON, IS [NOT] DISTINCT FROM, GROUP/ORDER BY ALL, BY NAME,
 * SAMPLE / TABLESAMPLE, PIVOT, RECURSIVE, TRY_CAST / TRY, `INTERVAL '…'`, `TIME '…'`, a LIKE pattern
 * holding `\` (StarRocks escapes with it, DuckDB does not), and cast types outside the list below.
 *
 * Grammar and lexer: StarRocks/starrocks fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocks.g4
 * and StarRocksLex.g4 (docs.starrocks.io/docs/sql-reference/sql-statements/keywords for the words).
 */
export function toStarRocksSql(resolvedSql: string): string {
  return new Translator(lex(resolvedSql)).run();
}

/** Refuses what the translation cannot carry over; `what` names it for the operator. */
function refuse(what: string): never {
  throw new OlapSqlRefusedError('olap_sql_unsupported', `${what} (StarRocks)`);
}

// ---- the lexer ------------------------------------------------------------------------------------------

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

interface Token {
  kind: TokenKind;
  /** As written (for `quoted` and `string`: the value, quotes and escapes removed). */
  text: string;
  /** The blanks before it as written ('' when glued to the previous token; a comment counts as one blank). */
  space: string;
}

/** DuckDB's blanks (its scanner's `space`); other characters above U+007F belong to words, as in DuckDB. */
const BLANK = /[ \t\n\r\f\v]/;
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_\u0080-\uffff]/;
/** Longest first: each is one token. */
const OPERATORS = [
  '!~~*',
  '!~~',
  '~~*',
  '->>',
  '<=>',
  '**',
  '//',
  '||',
  '::',
  '->',
  '<=',
  '>=',
  '<>',
  '!=',
  '==',
  '&&',
  '~~',
  '<<',
  '>>',
];
const SINGLE = new Set([
  '(',
  ')',
  ',',
  '.',
  '*',
  '+',
  '-',
  '/',
  '%',
  '=',
  '<',
  '>',
  '[',
  ']',
  ';',
  '^',
  '~',
  '!',
  '&',
  '|',
  '@',
  ':',
  '{',
  '}',
  '#',
  '$',
]);

function lex(sql: string): Token[] {
  // DuckDB's parser reads the text as a C string and stops at the first NUL: the guard would check
  // only what comes before it, while this lexer (and StarRocks) read on — `SELECT 1 -- \0⏎ FROM t_2.x`
  // passes the guard as `SELECT 1` and would run as a read of another tenant's database (R23-1).
  if (sql.includes('\u0000')) refuse('a NUL character');
  const tokens: Token[] = [];
  let at = 0;
  let space = '';
  const push = (kind: TokenKind, text: string) => {
    tokens.push({ kind, text, space });
    space = '';
  };
  while (at < sql.length) {
    const char = sql[at]!;
    if (BLANK.test(char)) {
      const start = at;
      while (at < sql.length && BLANK.test(sql[at]!)) at += 1;
      space += sql.slice(start, at);
      continue;
    }
    if (sql.startsWith('--', at)) {
      const end = sql.slice(at).search(/[\n\r]/);
      at = end < 0 ? sql.length : at + end;
      space += ' ';
      continue;
    }
    if (sql.startsWith('/*', at)) {
      // Nested, as in DuckDB's lexer.
      let depth = 0;
      let index = at;
      while (index < sql.length) {
        if (sql.startsWith('/*', index)) {
          depth += 1;
          index += 2;
        } else if (sql.startsWith('*/', index)) {
          depth -= 1;
          index += 2;
          if (depth === 0) break;
        } else index += 1;
      }
      if (depth !== 0) refuse('an unterminated comment');
      at = index;
      space += ' ';
      continue;
    }
    if (char === "'" || char === '"') {
      let value = '';
      let index = at + 1;
      for (;;) {
        if (index >= sql.length) refuse(char === "'" ? 'an unterminated string' : 'an unterminated quoted name');
        if (sql[index] === char) {
          if (sql[index + 1] === char) {
            value += char;
            index += 2;
            continue;
          }
          break;
        }
        value += sql[index];
        index += 1;
      }
      push(char === "'" ? 'string' : 'quoted', value);
      at = index + 1;
      continue;
    }
    if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(sql[at + 1] ?? ''))) {
      const number = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(at))![0];
      const next = sql[at + number.length] ?? '';
      // `1_000`, `0x1F`, `1e`: DuckDB numbers StarRocks would read as identifiers.
      if (WORD_PART.test(next)) refuse(`the number ${number}${next}…`);
      push('number', number);
      at += number.length;
      continue;
    }
    if (WORD_START.test(char)) {
      let end = at + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end += 1;
      push('word', sql.slice(at, end));
      at = end;
      continue;
    }
    if (char === '?') {
      push('param', '?');
      at += 1;
      continue;
    }
    const operator = OPERATORS.find((op) => sql.startsWith(op, at));
    if (operator) {
      push('punct', operator);
      at += operator.length;
      continue;
    }
    if (SINGLE.has(char)) {
      push('punct', char);
      at += 1;
      continue;
    }
    refuse(`the character ${JSON.stringify(char)}`);
  }
  return tokens;
}

// ---- the translation ------------------------------------------------------------------------------------

/** Cast target types StarRocks knows under the same or a mapped name (StarRocks.g4 baseType). */
const CAST_TYPES: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INT',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'DATETIME',
  VARCHAR: 'VARCHAR',
  TEXT: 'VARCHAR',
  STRING: 'VARCHAR',
  JSON: 'JSON',
};

/** Words that only DuckDB gives a meaning StarRocks does not share (refused wherever they appear as words). */
const REFUSED_WORDS: Record<string, string> = {
  ASOF: 'ASOF JOIN',
  POSITIONAL: 'POSITIONAL JOIN',
  QUALIFY: 'QUALIFY',
  EXCLUDE: '* EXCLUDE',
  ILIKE: 'ILIKE',
  GLOB: 'GLOB',
  SIMILAR: 'SIMILAR TO',
  TABLESAMPLE: 'TABLESAMPLE',
  PIVOT: 'PIVOT',
  UNPIVOT: 'UNPIVOT',
  RECURSIVE: 'WITH RECURSIVE',
  TRY_CAST: 'TRY_CAST',
  TRY: 'TRY(…)',
  LAMBDA: 'lambda',
};

/** Words that end an ORDER BY list at its own depth (what may follow one in a query or a window). */
const SORT_ENDS: ReadonlySet<string> = new Set([
  'LIMIT',
  'OFFSET',
  'FETCH',
  'ROWS',
  'RANGE',
  'GROUPS',
  'UNION',
  'EXCEPT',
  'INTERSECT',
]);

class Translator {
  private readonly out: string[] = [];
  private index = 0;
  /** Paren depth of each open `CAST(`: its `AS` at that depth starts the target type. */
  private readonly casts: number[] = [];
  /** Paren depth of each open `main.list_value(`: its `)` becomes `]`. */
  private readonly lists: number[] = [];
  private depth = 0;
  /**
   * Each open ORDER BY (its paren depth) and what its current sort item said: DuckDB sorts NULLs last
   * whether ASC or DESC, StarRocks puts them first in an ASC sort unless told (AstBuilder
   * getNullOrderingType: nullsFirst = isAsc; the ORDER BY page does not name a default). An ASC item
   * without NULLS FIRST / LAST gets `NULLS LAST` (R23-2); a DESC one already matches.
   */
  private readonly orders: { depth: number; nulls: boolean; desc: boolean }[] = [];

  constructor(private readonly tokens: Token[]) {}

  run(): string {
    while (this.index < this.tokens.length) this.step();
    if (this.depth !== 0) refuse('unbalanced parentheses');
    while (this.orders.length) this.endSortItem(true);
    return this.out.join('').trim();
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  private upper(offset = 0): string {
    const token = this.peek(offset);
    return token?.kind === 'word' ? token.text.toUpperCase() : '';
  }

  /** The word before the current token (upper case), '' when it is not a word. */
  private previousWord(): string {
    const token = this.tokens[this.index - 1];
    return token?.kind === 'word' ? token.text.toUpperCase() : '';
  }

  /** Writes `text` where the current token stood, with the blanks that preceded it. */
  private emit(text: string, space = this.peek()?.space ?? ''): void {
    const last = this.out.at(-1) ?? '';
    // A replacement may start with a word where the original was glued to one (`a~~'x'`).
    const glue = space === '' && WORD_PART.test(last.slice(-1)) && WORD_PART.test(text[0] ?? '');
    this.out.push(glue ? ' ' : space, text);
  }

  private step(): void {
    const token = this.peek()!;
    switch (token.kind) {
      case 'quoted':
        this.emit(`\`${token.text.replaceAll('`', '``')}\``);
        this.index += 1;
        return;
      case 'string':
        this.emit(stringLiteral(token.text));
        this.index += 1;
        return;
      case 'number':
      case 'param':
        this.emit(token.text);
        this.index += 1;
        return;
      case 'word':
        this.word(token);
        return;
      case 'punct':
        this.punct(token);
        return;
    }
  }

  /** The current ORDER BY's sort item ends here: `NULLS LAST` where DuckDB's order needs it; `close` ends the ORDER BY. */
  private endSortItem(close: boolean): void {
    const order = this.orders.at(-1)!;
    if (!order.nulls && !order.desc) this.emit('NULLS LAST', ' ');
    order.nulls = false;
    order.desc = false;
    if (close) this.orders.pop();
  }

  private word(token: Token): void {
    const word = token.text.toUpperCase();
    const next = this.peek(1);
    if (REFUSED_WORDS[word]) refuse(REFUSED_WORDS[word]);
    const order = this.orders.at(-1);
    if (order?.depth === this.depth) {
      if (word === 'NULLS') order.nulls = true;
      else if (word === 'DESC') order.desc = true;
      else if (SORT_ENDS.has(word)) this.endSortItem(true);
    }
    if (word === 'ORDER' && this.upper(1) === 'BY') {
      this.emit(token.text);
      this.emit(next!.text, next!.space);
      this.orders.push({ depth: this.depth, nulls: false, desc: false });
      this.index += 2;
      return;
    }
    // A string glued to E / X / B / N / U&: DuckDB's escape, blob, bit and national strings.
    if (next?.kind === 'string' && next.space === '' && /^[EXBNU]$/.test(word)) refuse(`${word}'…' strings`);
    if (word === 'COLUMNS' && next?.text === '(') refuse('COLUMNS(…)');
    if (word === 'FILTER' && next?.text === '(') refuse('FILTER (WHERE …)');
    if (word === 'ON' && this.previousWord() === 'DISTINCT') refuse('DISTINCT ON');
    if (word === 'FROM' && this.previousWord() === 'DISTINCT') refuse('IS DISTINCT FROM');
    if ((word === 'ALL' || word === 'NAME') && this.previousWord() === 'BY') refuse(`BY ${word}`);
    if (word === 'SAMPLE' && this.previousWord() === 'USING') refuse('USING SAMPLE');
    if ((word === 'ANTI' || word === 'SEMI') && this.previousWord() !== 'LEFT' && this.previousWord() !== 'RIGHT') {
      // DuckDB's ANTI / SEMI JOIN keep the left side's rows: StarRocks' LEFT ANTI / LEFT SEMI JOIN.
      this.emit('LEFT');
      this.emit(token.text, ' ');
      this.index += 1;
      return;
    }
    if (word === 'INTERVAL' && next?.kind === 'string') refuse(`INTERVAL '…'`);
    if (next?.kind === 'string' && (word === 'TIMESTAMP' || word === 'DATETIME' || word === 'DATE')) {
      // Typed literals: StarRocks' dateLiteral is `(DATE | DATETIME) string`.
      this.emit(word === 'DATE' ? 'DATE' : 'DATETIME');
      this.emit(stringLiteral(next.text), next.space);
      this.index += 2;
      return;
    }
    if (next?.kind === 'string' && ['TIME', 'TIMESTAMPTZ', 'INTERVAL', 'JSON', 'BLOB', 'UUID'].includes(word)) {
      refuse(`${word} '…'`);
    }
    if (word === 'CAST' && next?.text === '(') {
      this.emit(token.text);
      this.casts.push(this.depth + 1);
      this.index += 1;
      return;
    }
    if (word === 'AS' && this.casts.at(-1) === this.depth) {
      this.emit(token.text);
      this.index += 1;
      this.castType();
      if (this.peek()?.text !== ')') refuse(`the type ${this.peek()?.text ?? ''} in CAST`);
      return;
    }
    if (word === 'COUNT_STAR' && next?.text === '(' && this.peek(2)?.text === ')') {
      this.emit('count(*)');
      this.index += 3;
      return;
    }
    if (word === 'MAIN' && next?.text === '.' && this.upper(2) === 'LIST_VALUE' && this.peek(3)?.text === '(') {
      this.emit('[');
      this.depth += 1;
      this.lists.push(this.depth);
      this.index += 4;
      return;
    }
    // A name holding characters beyond ASCII (中文, a U+3000 space DuckDB reads as part of it): backquoted,
    // so StarRocks reads the same one name (its lexer also takes U+3000 as a blank).
    this.emit(/^[A-Za-z0-9_]+$/.test(token.text) ? token.text : `\`${token.text.replaceAll('`', '``')}\``);
    this.index += 1;
  }

  /** The target type of a CAST: a known name, `(p[, s])` parameters, `[]` suffixes → ARRAY<…>. */
  private castType(): void {
    const token = this.peek();
    const mapped = token?.kind === 'word' ? CAST_TYPES[token.text.toUpperCase()] : undefined;
    if (!mapped) refuse(`the type ${token?.text ?? '(none)'}`);
    const space = token!.space;
    this.index += 1;
    let type = mapped;
    if (this.peek()?.text === '(') {
      const parts: string[] = [];
      this.index += 1;
      while (this.peek()?.kind === 'number' || this.peek()?.text === ',') {
        parts.push(this.peek()!.text);
        this.index += 1;
      }
      if (this.peek()?.text !== ')') refuse(`the type ${type}(…)`);
      this.index += 1;
      type = `${type}(${parts.join('').replaceAll(',', ', ')})`;
    }
    while (this.peek()?.text === '[') {
      if (this.peek(1)?.text !== ']') refuse(`the type ${type}[…]`);
      this.index += 2;
      type = `ARRAY<${type}>`;
    }
    this.emit(type, space);
  }

  private punct(token: Token): void {
    switch (token.text) {
      case '(':
        this.depth += 1;
        this.emit('(');
        break;
      case ')':
        if (this.orders.at(-1)?.depth === this.depth) this.endSortItem(true);
        if (this.casts.at(-1) === this.depth) this.casts.pop();
        if (this.lists.at(-1) === this.depth) {
          this.lists.pop();
          this.emit(']');
        } else this.emit(')');
        this.depth -= 1;
        if (this.depth < 0) refuse('unbalanced parentheses');
        break;
      case '~~':
      case '!~~': {
        const pattern = this.peek(1);
        // StarRocks' LIKE escapes with `\` by default; DuckDB's has no escape character.
        if (pattern?.kind === 'string' && pattern.text.includes('\\')) refuse('a LIKE pattern holding \\');
        if (token.text === '!~~') this.emit('NOT');
        this.emit('LIKE');
        break;
      }
      case ',':
        if (this.orders.at(-1)?.depth === this.depth) this.endSortItem(false);
        this.emit(token.text);
        break;
      case '.':
      case '*':
      case '+':
      case '-':
      case '/':
      case '%':
      case '=':
      case '<':
      case '>':
      case '<=':
      case '>=':
      case '<>':
      case '!=':
      case '[':
      case ']':
        this.emit(token.text);
        break;
      default:
        refuse(`the operator ${token.text}`);
    }
    this.index += 1;
  }
}

/** A single-quoted StarRocks string holding exactly `value`: `''` for a quote, `\\` for a backslash. */
function stringLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
