/**
 * 自定义指标 (seed §1.7.2.2.2): arithmetic over metric ids — `A - B`, `(A + B) / C * 100` — with
 * + − × ÷ (also written `*` `/`, and `×` `÷`), parentheses, unary minus and decimal numbers. A formula is
 * parsed once into a tree and evaluated per cell; a missing operand or a division by zero gives no
 * value (`null`, shown empty), never Infinity or NaN.
 */

export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'metric'; id: string }
  | { kind: 'negate'; operand: FormulaNode }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: FormulaNode; right: FormulaNode };

/** Why a formula was refused, and where (a character offset). */
export class FormulaError extends Error {
  constructor(
    /** The API's code: a formula that does not parse, or one naming a metric that is not before it. */
    readonly code: 'report_formula_invalid' | 'report_formula_unknown_metric',
    readonly position: number,
  ) {
    super(`${code} at ${position}`);
  }
}

const MAX_DEPTH = 32;

type Token =
  | { type: 'number'; value: number; at: number }
  | { type: 'id'; value: string; at: number }
  | { type: 'op'; value: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (/[0-9.]/.test(ch)) {
      const match = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)/.exec(text.slice(i));
      if (!match) throw new FormulaError('report_formula_invalid', i);
      tokens.push({ type: 'number', value: Number(match[0]), at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ type: 'id', value: match[0], at: i });
      i += match[0].length;
    } else if ('+-*/()×÷－'.includes(ch)) {
      const op = ch === '×' ? '*' : ch === '÷' ? '/' : ch === '－' ? '-' : ch;
      tokens.push({ type: 'op', value: op, at: i });
      i += 1;
    } else {
      throw new FormulaError('report_formula_invalid', i);
    }
  }
  return tokens;
}

/** Parses `text`; every metric id it names must be in `known`. */
export function parseFormula(text: string, known: ReadonlySet<string>): FormulaNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FormulaError('report_formula_invalid', 0);
  let position = 0;
  const peek = () => tokens[position];
  const at = () => peek()?.at ?? text.length;

  // expression := term (('+' | '-') term)* ; term := factor (('*' | '/') factor)* ;
  // factor := '-' factor | number | id | '(' expression ')'
  const expression = (depth: number): FormulaNode => {
    if (depth > MAX_DEPTH) throw new FormulaError('report_formula_invalid', at());
    let node = term(depth);
    for (let t = peek(); t?.type === 'op' && (t.value === '+' || t.value === '-'); t = peek()) {
      position += 1;
      node = { kind: 'binary', op: t.value, left: node, right: term(depth) };
    }
    return node;
  };
  const term = (depth: number): FormulaNode => {
    let node = factor(depth);
    for (let t = peek(); t?.type === 'op' && (t.value === '*' || t.value === '/'); t = peek()) {
      position += 1;
      node = { kind: 'binary', op: t.value, left: node, right: factor(depth) };
    }
    return node;
  };
  const factor = (depth: number): FormulaNode => {
    if (depth > MAX_DEPTH) throw new FormulaError('report_formula_invalid', at());
    const t = peek();
    if (!t) throw new FormulaError('report_formula_invalid', text.length);
    position += 1;
    if (t.type === 'number') return { kind: 'number', value: t.value };
    if (t.type === 'id') {
      if (!known.has(t.value)) throw new FormulaError('report_formula_unknown_metric', t.at);
      return { kind: 'metric', id: t.value };
    }
    if (t.value === '-') return { kind: 'negate', operand: factor(depth + 1) };
    if (t.value === '(') {
      const inner = expression(depth + 1);
      const close = peek();
      if (close?.type !== 'op' || close.value !== ')') throw new FormulaError('report_formula_invalid', at());
      position += 1;
      return inner;
    }
    throw new FormulaError('report_formula_invalid', t.at);
  };

  const tree = expression(0);
  if (position < tokens.length) throw new FormulaError('report_formula_invalid', at());
  return tree;
}

/** The metric ids a formula reads. */
export function formulaMetrics(node: FormulaNode, into = new Set<string>()): Set<string> {
  if (node.kind === 'metric') into.add(node.id);
  else if (node.kind === 'negate') formulaMetrics(node.operand, into);
  else if (node.kind === 'binary') {
    formulaMetrics(node.left, into);
    formulaMetrics(node.right, into);
  }
  return into;
}

/** The formula's value for one cell; `null` when an operand has none or a divisor is 0. */
export function evaluateFormula(node: FormulaNode, value: (id: string) => number | null): number | null {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'metric':
      return value(node.id);
    case 'negate': {
      const operand = evaluateFormula(node.operand, value);
      return operand === null ? null : -operand;
    }
    case 'binary': {
      const left = evaluateFormula(node.left, value);
      const right = evaluateFormula(node.right, value);
      if (left === null || right === null) return null;
      if (node.op === '/' && right === 0) return null;
      const result =
        node.op === '+' ? left + right : node.op === '-' ? left - right : node.op === '*' ? left * right : left / right;
      return Number.isFinite(result) ? result : null;
    }
  }
}
