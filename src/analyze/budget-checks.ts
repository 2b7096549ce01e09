import type { Check, PageBudgetLimits } from './analysis.ts';
import { formatMs, formatPercent } from './format-number.ts';
import type { PooledPage } from './pool-runs.ts';

/** Where a budget came from, said in its sentence. */
export type BudgetSource = 'config' | 'scenario';

export interface SourcedBudget {
  limits: PageBudgetLimits;
  source: Partial<Record<keyof PageBudgetLimits, BudgetSource>>;
}

export interface BudgetSets {
  /** `budgets.pages` of rehearse.config.ts; `*` applies to every page. */
  config?: Record<string, PageBudgetLimits>;
  /** The scenario file's `budgets.pages`. */
  scenario?: Record<string, PageBudgetLimits>;
}

const FIELDS = ['p95Ms', 'p99Ms', 'errorRate'] as const;

/** One page's budget, field by field: config page > config `*` > scenario page. */
export function resolvePageBudget(page: string, sets: BudgetSets): SourcedBudget | null {
  const layers: Array<[BudgetSource, PageBudgetLimits | undefined]> = [
    ['scenario', sets.scenario?.[page]],
    ['config', sets.config?.['*']],
    ['config', sets.config?.[page]],
  ];
  const limits: PageBudgetLimits = {};
  const source: SourcedBudget['source'] = {};
  for (const [from, layer] of layers) {
    for (const field of FIELDS) {
      const value = layer?.[field];
      if (value === undefined) continue;
      limits[field] = value;
      source[field] = from;
    }
  }
  return Object.keys(limits).length === 0 ? null : { limits, source };
}

/** Absolute limits per page: p95 and p99 (median over repeats) and the pooled error rate. */
export function checkBudgets(pages: readonly PooledPage[], sets: BudgetSets): Check[] {
  return pages.flatMap((page) => {
    const budget = resolvePageBudget(page.page, sets);
    if (!budget) return [];
    const checks: Check[] = [];
    const check = (kind: Check['kind'], measured: number, limit: number, format: (value: number) => string, label: string, field: keyof PageBudgetLimits): Check => {
      const failed = measured > limit;
      const relation = failed ? 'is over' : 'is within';
      return {
        id: `${kind}:${page.page}`,
        kind,
        status: failed ? 'fail' : 'pass',
        page: page.page,
        queryId: null,
        fingerprint: null,
        sentence: `${page.page}: ${label} ${format(measured)} ${relation} its ${format(limit)} budget (${budget.source[field]})`,
        measured,
        baseline: null,
        limit,
        magnitude: limit === 0 ? (measured > 0 ? Number.POSITIVE_INFINITY : 0) : measured / limit,
      };
    };
    const { p95Ms, p99Ms, errorRate } = budget.limits;
    if (errorRate !== undefined) checks.push(check('budget-error-rate', page.errorRate, errorRate, formatPercent, 'error rate', 'errorRate'));
    if (p99Ms !== undefined) checks.push(check('budget-p99', page.latencyMs.p99, p99Ms, formatMs, 'p99', 'p99Ms'));
    if (p95Ms !== undefined) checks.push(check('budget-p95', page.latencyMs.p95, p95Ms, formatMs, 'p95', 'p95Ms'));
    return checks;
  });
}
