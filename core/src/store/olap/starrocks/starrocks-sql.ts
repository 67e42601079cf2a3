// STAND-IN: replaced by branch i23-dialect
/**
 * Resolved (physical) SQL → StarRocks text. This stand-in only turns `"ident"` into `` `ident` ``
 * (StarRocks reads "…" as a string literal); strings ('…' with '' escapes) and comments are copied
 * as they are. The dialect branch owns the real, complete translation.
 */
export function toStarRocksSql(resolvedSql: string): string {
  let out = '';
  let i = 0;
  const sql = resolvedSql;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j += 1;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let name = '';
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (sql[j] === '"') break;
        else name += sql[j++];
      }
      if (j >= sql.length) throw new Error('unterminated quoted identifier');
      out += `\`${name.replaceAll('`', '``')}\``;
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}
