import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { renderCsv } from '../../src/report/render-csv.ts';
import { renderHtmlText } from '../../src/report/render-html.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { escapeXml, renderJunit } from '../../src/report/render-junit.ts';
import { MARKDOWN_LIMIT, renderMarkdownText } from '../../src/report/render-markdown.ts';
import { parseFormats, RENDERERS, REPORT_FORMATS } from '../../src/report/renderers.ts';
import { niceScale, renderTimeChart } from '../../src/report/svg-chart.ts';
import type { ActivitySession, RunRecord } from '../../src/run/run-record-schema.ts';
import { fingerprint, page, profile, runRecord, statement } from '../support/run-record-builders.ts';

const SESSION = 'select * from sessions where token = $1';
const PARENT = 'select first_name, last_name from parents where id = $1';

function failingAnalysis(): Analysis {
  const pages = [page('My Bookings', { p95: 40 }), page('Login', { p95: 80 })];
  const baseline = runRecord({ pages, statements: [statement('a1', SESSION)], profiles: [profile('My Bookings', [{ name: 'a1', query: SESSION, callsPerRequest: 3 }])] });
  const candidate = runRecord({
    release: 'bookings-n-plus-one',
    pages,
    statements: [statement('a1', SESSION), statement('d1', PARENT, { calls: 3000 })],
    profiles: [profile('My Bookings', [{ name: 'a1', query: SESSION, callsPerRequest: 3 }, { name: 'd1', query: PARENT, callsPerRequest: 60 }])],
  });
  return analyzeRuns({ baselines: [baseline], candidates: [candidate], budgets: { scenario: { Login: { p95Ms: 1500 } } } });
}

describe('renderers', () => {
  const analysis = failingAnalysis();
  const sentence = analysis.checks[0]!.sentence;

  it('has one renderer per format', () => {
    expect(Object.keys(RENDERERS).sort()).toEqual([...REPORT_FORMATS].sort());
    expect(parseFormats('md, HTML,junit,xml')).toEqual({ formats: ['markdown', 'html', 'junit'], unknown: [] });
    expect(parseFormats('md,pdf').unknown).toEqual(['pdf']);
  });

  it('Markdown: verdict first, failing sentences, pages, collapsed queries, timeline and context', () => {
    const text = renderMarkdownText(analysis);
    expect(text.split('\n')[0]).toBe(`## ❌ ${analysis.headline}`);
    expect(text).toContain(`1. ${sentence}`);
    const order = ['**Failing checks**', '### Pages', '### Queries', '### Timeline', '### Context'].map((heading) => text.indexOf(heading));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('<details><summary>1 queries compared with the baseline, by total time</summary>');
    expect(text).toContain('<details><summary>1 new queries (not in the baseline)</summary>');
    expect(text).toMatch(/\| My Bookings \| 100 \| 0.0 % \|/);
  });

  it("Markdown and HTML: the context says which of production's planner settings the run's database took, and which not with why", () => {
    const withProfile = runRecord({ release: 'next' });
    withProfile.context.profileSettings = {
      source: 'production.json',
      capturedOn: '16.4',
      database: 'rehearse_run_1',
      settings: [{ name: 'random_page_cost', value: '1.1' }, { name: 'shared_buffers', value: '8GB', notApplied: 'needs a restart' }],
      reanalyzed: false,
    };
    const analysis = analyzeRuns({ baselines: [runRecord()], candidates: [withProfile] });
    expect(renderMarkdownText(analysis)).toContain(
      "| planner settings | from production.json (PostgreSQL 16.4): random_page_cost=1.1; not applied: shared_buffers=8GB (needs a restart) | rehearse's own (no profile) |",
    );
    expect(renderHtmlText(analysis)).toContain('not applied: shared_buffers=8GB (needs a restart)');
  });

  it('Markdown: stays under the comment limit with hundreds of queries and a long timeline', () => {
    const many = Array.from({ length: 400 }, (_, index) => statement(index.toString(16).padStart(4, '0'), `select ${'x, '.repeat(60)} from table_${index} where id = $1`));
    const big = analyzeRuns({ baselines: [runRecord({ statements: many })], candidates: [runRecord({ release: 'next', statements: many })] });
    big.timeline.points = Array.from({ length: 3600 }, (_, second) => ({ second, requests: 10, errors: 0, p95ByPage: { 'My Bookings': 12.5 }, active: 1, waiting: 0 }));
    const text = renderMarkdownText(big);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(text).toContain('### Context');
    expect(text).toMatch(/… and \d+ more \(see queries.csv or the HTML report\)/);
  });

  it('Markdown and HTML without a baseline: no "vs baseline" columns; query budgets and response bytes shown', () => {
    const record = runRecord({ statements: [statement('a1', SESSION)], profiles: [profile('My Bookings', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }], 10, 5_120)] });
    const budgets = { queries: [{ key: 'a1000000', match: 'a1000000', limits: { meanMs: 5 } }] };
    const alone = analyzeRuns({ candidates: [record], budgets });
    const markdown = renderMarkdownText(alone);
    expect(markdown).toContain('| page | requests | errors | p50 | p95 | p99 | queries/request | body/request | budget | verdict |');
    expect(markdown).toContain('| id | query | calls | calls/request by page | mean | total | share | rows/call | buffers/call | budget |\n');
    expect(markdown).toMatch(/\| `a1000000` \| .* \| mean ≤ 5.00 ms \|\n/);
    expect(markdown).toMatch(/\| My Bookings \| 100 \| .* \| 1 \| 5.0 KiB \| — \| ✅ pass \|/);
    const html = renderHtmlText(alone);
    expect(html).not.toContain('vs baseline');
    expect(html).toContain('<td>mean ≤ 5.00 ms</td><td><details class="plan">');
    expect(html).toContain('<td data-sort="5120">5.0 KiB</td>');
    const compared = renderMarkdownText(analysis);
    expect(compared).toContain('| buffers/call | change vs baseline | plan changes |');
    expect(compared).toContain('| p99 | p95 vs baseline |');
  });

  it("Markdown, HTML and CSV: the app's CPU per request where the probe measured it, against the baseline's", () => {
    const measured = (appCpuMsPerRequest: number) => ({ ...profile('My Bookings', [{ name: 'a1', query: SESSION, callsPerRequest: 3 }]), appCpuMsPerRequest });
    const compared = analyzeRuns({ baselines: [runRecord({ profiles: [measured(1.25)] })], candidates: [runRecord({ release: 'bookings-costly-render', profiles: [measured(5.5)] })] });
    expect(renderMarkdownText(compared)).toMatch(/\| body\/request \| app CPU\/request \| budget \|[\s\S]*\| — \| 5.50 ms \(was 1.25 ms\) \|/);
    expect(renderHtmlText(compared)).toContain('<td data-sort="5.5">5.50 ms (was 1.25 ms)</td>');
    expect(Object.fromEntries(renderCsv(compared).map((file) => [file.name, file.text]))['pages.csv']).toContain(',5.5,1.25,');
    // Records without it (or with an app rehearse did not start) show no such column.
    expect(renderMarkdownText(analysis)).not.toContain('app CPU');
  });

  it('JSON: the whole analysis with its schema version', () => {
    const [file] = renderJson(analysis);
    expect(file!.name).toBe('report.json');
    const parsed = JSON.parse(file!.text) as Analysis;
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.checks[0]!.sentence).toBe(sentence);
    expect(parsed.thresholds.queriesPerRequest).toEqual({ ratio: 1.5, increase: 2 });
  });

  it('CSV: pages, queries and timeline with headers, quoting SQL that holds commas', () => {
    const files = Object.fromEntries(renderCsv(analysis).map((file) => [file.name, file.text]));
    expect(Object.keys(files)).toEqual(['pages.csv', 'queries.csv', 'timeline.csv', 'waits.csv', 'blocking.csv']);
    expect(files['pages.csv']!.split('\n')[0]).toBe(
      'page,requests,errors,error_rate,p50_ms,p95_ms,p99_ms,baseline_p95_ms,p95_ratio,p95_ratio_low,p95_ratio_high,queries_per_request,baseline_queries_per_request,rows_per_request,blocks_per_request,response_bytes_per_request,baseline_response_bytes_per_request,budget_p95_ms,budget_p99_ms,budget_error_rate,budget_queries_per_request,budget_response_bytes,transactions_per_request,baseline_transactions_per_request,p50_ratio,p50_ratio_low,p50_ratio_high,app_cpu_ms_per_request,baseline_app_cpu_ms_per_request,verdict,p95_verdict,p95_direction,baseline_runs,candidate_runs,p95_verdict_reason,cache_commands_per_request,baseline_cache_commands_per_request,cache_commands_by_type,baseline_cache_commands_by_type,cache_misses_per_request,baseline_cache_misses_per_request',
    );
    expect(files['pages.csv']).toContain('My Bookings,100,0,0,20,40,60,40,1,');
    expect(files['queries.csv']).toContain('"select first_name, last_name from parents where id = $1"');
    expect(files['timeline.csv']!.split('\n')[0]).toBe('second,requests,errors,p95_ms My Bookings,p95_ms Login,db_active,db_waiting,db_lock_waiting,db_idle_in_transaction,pool_waiting');
    expect(files['timeline.csv']!.trim().split('\n')).toHaveLength(31);
  });

  it('CSV: the cache server’s counters per page, per second and per run, where it was watched', () => {
    const cacheProfile = (misses: number, commands: Record<string, number>) => ({ ...profile('Posts', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }]), cacheCommands: commands, cacheCommandsPerRequest: Object.values(commands).reduce((sum, calls) => sum + calls, 0), cacheMissesPerRequest: misses });
    const watched = (id: string, cores: number, misses: number, commands: Record<string, number>): RunRecord => {
      const record = runRecord({ id, pages: [page('Posts', { p95: 30 })], statements: [statement('a1', SESSION)], profiles: [cacheProfile(misses, commands)] });
      const start = record.timeline.all[0]!.time;
      const samples = [0, 1].map((second) => ({ time: start + second * 1000, commands: commands, hits: 8, misses: 2, inputBytes: 100, outputBytes: 900, usedMemoryBytes: 1_048_576, connectedClients: 2, cpuCores: cores * (second + 1) }));
      return { ...record, cacheServer: { source: 'started', notMeasured: null, intervalMs: 1000, samples, failures: { count: 0, last: null } } };
    };
    const unwatched = runRecord({ id: 'old', pages: [page('Posts', { p95: 30 })] });
    const files = Object.fromEntries(
      renderCsv(analyzeRuns({ baselines: [watched('base', 0.01, 0, { get: 1 })], candidates: [watched('cand', 0.2, 1, { get: 1, set: 1 })], k6Thresholds: false })).map((file) => [file.name, file.text]),
    );
    const [header, posts] = files['pages.csv']!.trim().split('\n');
    expect(header!.split(',').slice(-6)).toEqual(['cache_commands_per_request', 'baseline_cache_commands_per_request', 'cache_commands_by_type', 'baseline_cache_commands_by_type', 'cache_misses_per_request', 'baseline_cache_misses_per_request']);
    expect(posts!.split(',').slice(-6)).toEqual(['2', '1', 'get=1; set=1', 'get=1', '1', '0']);
    const timeline = files['timeline.csv']!.trim().split('\n');
    expect(timeline[0]!.split(',').slice(-2)).toEqual(['cache_commands', 'cache_cpu_cores']);
    expect(timeline[2]!.split(',').slice(-2)).toEqual(['2', '0.4']);
    expect(files['cache.csv']!.trim().split('\n')).toEqual([
      'run,role,source,mean_commands_per_second,peak_commands_per_second,hit_ratio,peak_cpu_percent,peak_memory_bytes,peak_clients,not_measured',
      'cand,candidate,started,2,2,0.8,40,1048576,2,',
      'base,baseline,started,1,1,0.8,2,1048576,2,',
    ]);
    // A run without a cache server keeps the CSV files it always had.
    const plain = Object.fromEntries(renderCsv(analyzeRuns({ candidates: [unwatched], k6Thresholds: false })).map((file) => [file.name, file.text]));
    expect(Object.keys(plain)).not.toContain('cache.csv');
    expect(plain['timeline.csv']!.split('\n')[0]).not.toContain('cache_');
  });

  it('JUnit: one test case per check, failures carrying the sentence', () => {
    const [file] = renderJunit(analysis);
    const failures = analysis.checks.filter((check) => check.status === 'fail').length;
    expect(file!.text).toContain(`<testsuites name="rehearse" tests="${analysis.checks.length}" failures="${failures}">`);
    expect(file!.text.match(/<testcase /g)).toHaveLength(analysis.checks.length);
    expect(file!.text).toContain(`<failure message="${escapeXml(sentence)}" type="queries-per-request">`);
    expect(escapeXml('a < b & "c" \u0001')).toBe('a &lt; b &amp; &quot;c&quot; ');
  });

  it('HTML: one self-contained file with SVG charts, sortable tables and collapsible plans', () => {
    const html = renderHtmlText(analysis);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<table class="sortable">');
    expect(html).toContain('<details class="plan"><summary>plan (Index Scan)</summary>');
    expect(html).toContain('same query repeated per row (N+1)');
  });

  describe('waits', () => {
    const LOCK = 'update parents set last_login = now() where id = $1';
    const sessions: ActivitySession[] = [
      { pid: 1, state: 'idle in transaction', waitEvent: 'Client:ClientRead', query: LOCK, fingerprint: fingerprint('e1'), stateMs: 400, transactionMs: 420, blockedBy: [], lockRelation: null },
      { pid: 2, state: 'active', waitEvent: 'Lock:transactionid', query: LOCK, fingerprint: fingerprint('e1'), stateMs: 380, transactionMs: 380, blockedBy: [1], lockRelation: 'parents' },
      { pid: 3, state: 'active', waitEvent: 'IO:DataFileRead', query: SESSION, fingerprint: fingerprint('a1'), stateMs: 12, transactionMs: 12, blockedBy: [], lockRelation: null },
    ];
    const profiles = [profile('Login', [{ name: 'e1', query: LOCK, callsPerRequest: 1 }]), profile('My Bookings', [{ name: 'a1', query: SESSION, callsPerRequest: 3 }])];
    const withWaits = (release: string, busy: boolean): RunRecord => {
      const record = runRecord({ release, pages: [page('My Bookings', { p95: 40 }), page('Login', { p95: 80 })], statements: [statement('a1', SESSION), statement('e1', LOCK)], profiles });
      const waitEvents: Record<string, number> = busy ? { 'Lock:transactionid': 1, 'IO:DataFileRead': 1 } : {};
      const samples = record.activity.samples.map((sample) => ({ ...sample, idleInTransaction: busy ? 1 : 0, waitEvents, longestIdleInTransactionMs: busy ? 400 : null, sessions: busy ? sessions : [] }));
      const metrics = { url: 'http://app/metrics', intervalMs: 1000, failures: { count: 0, last: null }, samples: samples.map((sample) => ({ time: sample.time, values: { app_pool_waiting: busy ? 4 : 0, app_pool_size: 10 } })) };
      return { ...record, activity: { ...record.activity, samples }, appMetrics: metrics };
    };
    const waiting = analyzeRuns({ baselines: [withWaits('baseline', false)], candidates: [withWaits('login-holds-lock', true)] });

    it('Markdown: per-page waits, blocking pairs and the pool', () => {
      const text = renderMarkdownText(waiting);
      expect(text.indexOf('### Waits')).toBeGreaterThan(text.indexOf('### Queries'));
      expect(text).toContain('| page | waits by type | lock wait/request | idle in transaction/request | longest idle in transaction | longest statement |');
      expect(text).toContain(`| Login | Lock 30 s | 300 ms (was 0.00 ms) | 300 ms (was 0.00 ms) | 400 ms | 380 ms \`${LOCK}\` |`);
      expect(text).toContain(`| Login | Login | Lock:transactionid on parents | \`${LOCK}\` | idle in transaction | 1 | 30 s |`);
      expect(text).toContain('**Connection pool** (waiting `app_pool_waiting`, size `app_pool_size`): 4 waiting at peak (mean 4), 30 s with any waiting, 600 ms (was 0.00 ms) waiting per request.');
      expect(text).toContain('| db active | db waiting | lock waits | idle in transaction | pool waiting |');
      expect(waiting.checks.filter((check) => check.status === 'fail').map((check) => check.kind)).toEqual(expect.arrayContaining(['lock-waits', 'idle-in-transaction', 'pool-waits']));
    });

    it('HTML: the Waits tables, and lock waits, idle in transaction and pool waiting on the timeline chart', () => {
      const html = renderHtmlText(waiting);
      expect(html).toContain('<h2>Waits <small>pg_stat_activity every 1000 ms</small></h2>');
      expect(html).toContain('<td data-sort="300">300 ms (was 0.00 ms)</td>');
      expect(html).toContain('<h3>Blocking (waiting ← holding)</h3>');
      expect(html).toContain('<h3>Connection pool</h3>');
      for (const series of ['lock waits', 'idle in transaction', 'pool waiting']) expect(html).toContain(`data-series="${series}"`);
      expect(html.match(/<svg /g)).toHaveLength(2);
    });

    it('JSON and CSV: analysis.waits, waits.csv per page and blocking.csv', () => {
      const parsed = JSON.parse(renderJson(waiting)[0]!.text) as Analysis;
      expect(parsed.waits.blocking[0]).toMatchObject({ blockedPages: ['Login'], blockingPages: ['Login'], relation: 'parents', peakWaiting: 1 });
      const files = Object.fromEntries(renderCsv(waiting).map((file) => [file.name, file.text]));
      expect(files['waits.csv']!.split('\n')[0]).toBe(
        'page,requests,wait_seconds_by_type,wait_seconds_by_event,active_seconds,lock_wait_ms_per_request,baseline_lock_wait_ms_per_request,idle_in_transaction_seconds,idle_in_transaction_ms_per_request,baseline_idle_in_transaction_ms_per_request,longest_idle_in_transaction_ms,longest_statement_ms,longest_statement_id,longest_statement',
      );
      expect(files['waits.csv']).toContain(`Login,100,Lock=30,Lock:transactionid=30,30,300,0,30,300,0,400,380,e1000000,${LOCK}`);
      expect(files['blocking.csv']).toContain(`Login,Login,Lock:transactionid,parents,idle in transaction,1,30,e1000000,${fingerprint('e1')},${LOCK}`);
      expect(files['timeline.csv']!.split('\n')[1]).toMatch(/,1,1,4$/);
    });
  });

  it('charts: round axes and gaps where there is no value', () => {
    expect(niceScale(87)).toEqual({ top: 100, step: 20 });
    expect(niceScale(0)).toEqual({ top: 1, step: 0.2 });
    const svg = renderTimeChart({ title: 'p95 <all>', leftLabel: 'ms', series: [{ name: 'p95', color: '#000', kind: 'line', axis: 'left', values: [{ x: 0, y: 1 }, { x: 1, y: null }, { x: 2, y: 3 }, { x: 3, y: 2 }] }] });
    expect(svg).toContain('p95 &lt;all&gt;');
    expect(svg.match(/M[\d.]+,[\d.]+/g)).toHaveLength(2);
  });
});
