/**
 * The metric and label names a PromQL expression refers to, for checking dashboards and alerts against the metric
 * contract. Not a parser: promtool parses (see promtool.ts); this only tells names from functions and keywords, so
 * it reads a valid expression correctly and needs nothing more.
 */
export type SelectorNames = { metric: string; matcherLabels: string[] };
export type ExpressionNames = { selectors: SelectorNames[]; groupingLabels: string[] };

const TOKEN =
  /\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\d[\w.]*(?:[eE][-+]\d+)?|\.\d[\w]*|[a-zA-Z_:][\w:]*|=~|!~|!=|==|>=|<=|[-+*/%^(){}[\],=<>@]/y;

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
/** clauses followed by a list of label names */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'atan2', 'inf', 'nan']);

const isName = (token: string) => /^[a-zA-Z_:]/.test(token);

const tokenize = (expr: string): string[] => {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    if (!match) throw new Error(`unexpected character at ${at} in: ${expr}`);
    if (!/^(\s|#)/.test(match[0])) tokens.push(match[0]);
  }
  return tokens;
};

/** the names inside `( … )` or `{ … }` starting at `open`, and the index after the closing bracket */
const namesInBrackets = (tokens: string[], open: number, close: string): { names: string[]; next: number } => {
  const names: string[] = [];
  let index = open + 1;
  while (index < tokens.length && tokens[index] !== close) {
    // in a matcher list only the name before the operator is a label; its value is a string
    if (isName(tokens[index]) && (close === ')' || /^(=|!=|=~|!~)$/.test(tokens[index + 1] ?? ''))) names.push(tokens[index]);
    index += 1;
  }
  if (index === tokens.length) throw new Error(`missing ${close}`);
  return { names, next: index + 1 };
};

export const namesIn = (expr: string): ExpressionNames => {
  const tokens = tokenize(expr);
  const selectors: SelectorNames[] = [];
  const groupingLabels: string[] = [];
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index];
    const next = tokens[index + 1];
    if (token === '[') {
      // a range or subquery: durations only
      index = tokens.indexOf(']', index) + 1;
      if (index === 0) throw new Error(`missing ] in: ${expr}`);
    } else if (token === '{') {
      throw new Error(`a selector without a metric name in: ${expr}`);
    } else if (!isName(token) || KEYWORDS.has(token.toLowerCase())) {
      index += 1;
    } else if (GROUPING.has(token)) {
      if (next !== '(') {
        index += 1; // group_left without labels
        continue;
      }
      const { names, next: after } = namesInBrackets(tokens, index + 1, ')');
      groupingLabels.push(...names);
      index = after;
    } else if (next === '(' || AGGREGATIONS.has(token)) {
      index += 1; // a function or an aggregation
    } else if (next === '{') {
      const { names, next: after } = namesInBrackets(tokens, index + 1, '}');
      selectors.push({ metric: token, matcherLabels: names });
      index = after;
    } else {
      selectors.push({ metric: token, matcherLabels: [] });
      index += 1;
    }
  }
  return { selectors, groupingLabels };
};
