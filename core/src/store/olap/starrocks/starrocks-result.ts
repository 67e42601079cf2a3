import type { OlapTenantDeclaration } from '../declaration.js';
import { eventViewColumn } from '../declaration.js';
import { dimensionFieldColumn, propertyColumn } from '../physical-schema.js';
import type { ContactViewMemberships } from '../relations.js';

/**
 * Reading StarRocks' text answers back into the values DuckDB's row modes give (ADR 0064, amendments
 * 2026-12-05): ARRAY cells and JSON text.
 *
 * ARRAY: the MySQL protocol has no array type. StarRocks' FE sends every non-scalar result column
 * (ARRAY, MAP, STRUCT) with VARCHAR's column type (fe/fe-core/.../catalog/Type.java
 * `getMysqlResultType`: "return Type.VARCHAR.getPrimitiveType().toMysqlType()" for a type that is not
 * scalar; source, not documented), so the protocol cannot tell an array from a string that looks like
 * one. The cell's text is the one Array.md shows: `["apple","orange","pear"]`, `[1,null]`, booleans
 * `[1,0]`, and — for ARRAY<JSON> in JSON.md — single-quoted elements. Which columns are arrays is
 * therefore decided by the engine (`arrayColumns`): the tenant's `varchar[]` columns by their
 * physical and view names, `value_strings`, the string[] tag columns of contact_view, and what the
 * query's top-level SELECT list makes of them (an alias of such a column, an array function). A cell
 * of such a column that does not read as an array stays text: nothing is guessed from the text alone.
 */

/** DuckDB functions (as the guard's parser names them) whose result is a list. */
const ARRAY_FUNCTIONS = new Set([
  'array_agg',
  'list',
  'list_value',
  'array_distinct',
  'array_sort',
  'array_concat',
  'list_concat',
  'array_slice',
  'list_distinct',
  'list_sort',
  'string_split',
  'str_split',
  'split',
]);

/**
 * A StarRocks ARRAY cell as a list: double- or single-quoted elements are strings (JSON escapes),
 * `null` / `NULL` is null, a bare number is a number; `undefined` when the text is not one flat array
 * (nested arrays, MAP/STRUCT elements) — the caller keeps the text then.
 */
export function parseStarRocksArray(text: string): unknown[] | undefined {
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return undefined;
  const out: unknown[] = [];
  let i = 1;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i += 1;
  };
  skip();
  if (s[i] === ']') return i === s.length - 1 ? out : undefined;
  for (;;) {
    skip();
    const ch = s[i];
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= s.length) return undefined;
        const c = s[j]!;
        if (c === '\\') {
          const next = s[j + 1];
          if (next === undefined) return undefined;
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) {
            value += String.fromCharCode(parseInt(s.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          value += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' } as Record<string, string>)[next] ?? next;
          j += 2;
          continue;
        }
        if (c === ch) break;
        value += c;
        j += 1;
      }
      out.push(value);
      i = j + 1;
    } else {
      const match = /^[^,\]]*/.exec(s.slice(i))![0];
      const token = match.trim();
      if (/^null$/i.test(token)) out.push(null);
      else if (/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(token)) out.push(Number(token));
      else return undefined;
      i += match.length;
    }
    skip();
    if (s[i] === ',') {
      i += 1;
      continue;
    }
    if (s[i] === ']' && i === s.length - 1) return out;
    return undefined;
  }
}

/**
 * JSON text without the blanks between tokens (strings and numbers untouched, so no precision is
 * lost): StarRocks prints JSON as `{"a": 1, "b": true}` (JSON.md), DuckDB returns the compact text
 * the loaders wrote (`{"a":1,"b":true}`). Key order is not changed: StarRocks stores JSON in a binary
 * form and prints keys sorted (JSON.md's json_each example), DuckDB keeps them as loaded — a
 * documented difference for objects whose keys were not loaded in sorted order.
 */
export function compactJsonText(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') continue;
    out += ch;
  }
  return out;
}

/** The names a tenant's `varchar[]` columns go by: physical (`p_<id>`, `f_<id>`), view (`p_<name>`, `p_attr<id>`), tags. */
export function knownArrayColumns(declaration: OlapTenantDeclaration, contactView?: ContactViewMemberships): Set<string> {
  const names = new Set<string>(['value_strings']);
  for (const property of declaration.eventProperties) {
    if (property.type !== 'string[]') continue;
    names.add(propertyColumn(property.id));
    names.add(eventViewColumn(property.name));
  }
  for (const attribute of declaration.contactAttributes) {
    if (attribute.type !== 'string[]') continue;
    names.add(propertyColumn(attribute.id));
    names.add(`p_attr${attribute.id}`);
  }
  for (const dimension of declaration.dimensions) {
    for (const field of dimension.fields) if (field.type === 'string[]') names.add(dimensionFieldColumn(field.id));
  }
  for (const tag of contactView?.tags ?? []) if (tag.type === 'string[]') names.add(tag.column);
  return names;
}

interface AstNode {
  class?: string;
  type?: string;
  alias?: string;
  column_names?: string[];
  function_name?: string;
  cast_type?: { id?: string };
  child?: AstNode;
  select_list?: AstNode[];
  left?: AstNode;
}

/** The query node whose SELECT list names the result (a UNION's first branch). */
function firstSelect(node: AstNode | undefined): AstNode | undefined {
  let current = node;
  while (current && !current.select_list && current.left) current = current.left;
  return current;
}

function isArrayExpression(expression: AstNode, known: ReadonlySet<string>): boolean {
  if (expression.class === 'COLUMN_REF') {
    const name = expression.column_names?.at(-1)?.toLowerCase();
    return name !== undefined && known.has(name);
  }
  if (expression.class === 'FUNCTION') return ARRAY_FUNCTIONS.has((expression.function_name ?? '').toLowerCase());
  if (expression.class === 'CAST') return expression.cast_type?.id === 'LIST' || expression.cast_type?.id === 'ARRAY';
  return false;
}

/**
 * The result columns of `astJson` (DuckDB's json_serialize_sql of the query as the caller wrote it)
 * that hold arrays: every output named like a known array column, unless the SELECT list gives that
 * name to something else; plus the aliases of array expressions (a known column, an array function, a
 * cast to a list).
 */
export function arrayColumns(astJson: string | undefined, known: ReadonlySet<string>): Set<string> {
  const result = new Set(known);
  if (!astJson) return result;
  let select: AstNode | undefined;
  try {
    const ast = JSON.parse(astJson) as { error?: boolean; statements?: { node?: AstNode }[] };
    if (ast.error) return result;
    select = firstSelect(ast.statements?.[0]?.node);
  } catch {
    return result;
  }
  for (const expression of select?.select_list ?? []) {
    const name = (expression.alias || expression.column_names?.at(-1) || '').toLowerCase();
    if (!name) continue;
    if (isArrayExpression(expression, known)) result.add(name);
    else if (expression.class !== 'STAR') result.delete(name);
  }
  return result;
}
