import { TrinoSQL } from 'dt-sql-parser';

/** Trino (Athena engine v3) grammar checks for analyst SQL: syntax and partition pruning on dt. */
const trino = new TrinoSQL();

export function trinoSyntaxErrors(sql: string): string[] {
  return trino.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

type Node = { constructor: { name: string }; children?: Node[]; getText(): string };
const kind = (n: Node) => n.constructor.name;
const kids = (n: Node) => n.children ?? [];

function findAll(n: Node, name: string, stopAt: (x: Node) => boolean = () => false): Node[] {
  const out: Node[] = [];
  for (const c of kids(n)) {
    if (kind(c) === name) out.push(c);
    if (!stopAt(c)) out.push(...findAll(c, name, stopAt));
  }
  return out;
}

const isQuerySpec = (n: Node) => kind(n) === 'QuerySpecificationContext';

/** AND-ed conjuncts of a boolean expression (OR and NOT branches do not count). */
function conjuncts(e: Node): Node[] {
  const inner = kids(e).filter((c) => c.children);
  if (kind(e) === 'AndContext') return inner.flatMap(conjuncts);
  const wrapper = ['PredicatedContext', 'ValueExpressionDefaultContext', 'ParenthesizedExpressionContext', 'ExpressionContext'].includes(kind(e));
  if (wrapper && inner.length === 1 && kids(e).length <= 3) return conjuncts(inner[0] as Node);
  return [e];
}

const refersOnlyToConstants = (n: Node) => findAll(n, 'ColumnReferenceContext').length === 0 && findAll(n, 'SubqueryExpressionContext').length === 0 && findAll(n, 'QuerySpecificationContext').length === 0;

/** True when `pred` restricts `<alias>.dt` (or bare dt when unambiguous) by a comparison, BETWEEN or IN against constants. */
function constrainsDt(pred: Node, alias: string, bareOk: boolean): boolean {
  if (kind(pred) !== 'PredicatedContext') return false;
  const [left, predicate] = kids(pred);
  if (!left || !predicate) return false;
  const isDt = (v: Node) => {
    const t = v.getText().toLowerCase();
    return kind(v) === 'ValueExpressionDefaultContext' && (t === `${alias.toLowerCase()}.dt` || (bareOk && t === 'dt'));
  };
  const rest = kids(predicate).filter((c) => kind(c) !== 'ComparisonOperatorContext');
  if (isDt(left) && ['ComparisonContext', 'BetweenContext', 'InListContext'].includes(kind(predicate))) return rest.every(refersOnlyToConstants);
  if (kind(predicate) === 'ComparisonContext' && rest.length === 1 && isDt(rest[0] as Node)) return refersOnlyToConstants(left);
  return false;
}

/**
 * Every reference to a dt-partitioned catalog table must sit in a SELECT whose WHERE (or JOIN ON) has a top-level
 * (AND-ed) predicate on that table's dt against constants or `?` parameters, so Athena prunes partitions.
 * Returns the offending table references.
 */
export function unprunedTableRefs(sql: string, partitioned: ReadonlySet<string>): string[] {
  const tree = trino.parse(sql) as unknown as Node;
  const cteNames = new Set(findAll(tree, 'NamedQueryContext').map((n) => (kids(n)[0] as Node).getText().toLowerCase()));
  const problems: string[] = [];
  for (const spec of findAll(tree, 'QuerySpecificationContext')) {
    const relations = kids(spec).filter((c) => /Relation/.test(kind(c)));
    const refs = relations.flatMap((r) => findAll(r, 'AliasedRelationContext', isQuerySpec)).flatMap((ar) => {
      const tn = kids(ar).find((c) => kind(c) === 'TableNameContext');
      if (!tn) return [];
      const name = tn.getText().toLowerCase().replace(/"/g, '').split('.').pop() as string;
      if (cteNames.has(name) || !partitioned.has(name)) return [];
      const aliasNode = kids(ar).filter((c) => c !== tn && c.children).pop();
      return [{ name, alias: aliasNode?.getText() ?? name }];
    });
    if (!refs.length) continue;
    const where = kids(spec).find((c) => kind(c) === 'WhereClauseContext');
    // WHERE conjuncts, plus JOIN ... ON conjuncts (pushed down to the joined table's scan).
    const onClauses = relations.flatMap((r) => findAll(r, 'JoinCriteriaContext', isQuerySpec)).map((j) => kids(j).find((c) => c.children) as Node);
    const preds = [where ? (kids(where).find((c) => c.children) as Node) : undefined, ...onClauses].filter((x): x is Node => !!x).flatMap(conjuncts);
    for (const ref of refs) {
      if (!preds.some((p) => constrainsDt(p, ref.alias, refs.length === 1))) problems.push(ref.alias === ref.name ? ref.name : `${ref.name} AS ${ref.alias}`);
    }
  }
  return problems;
}
