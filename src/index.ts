/**
 * rehearse as a library: everything the CLI does is callable from here.
 *
 * @example
 * ```ts
 * import { createProvider, locateK6, runK6 } from 'rehearse';
 *
 * const db = await createProvider({ provider: 'embedded', settings: {} }).start();
 * try {
 *   const k6 = await locateK6();
 *   await runK6(k6, { script: 'load.js', env: { DATABASE_URL: db.url } });
 * } finally {
 *   await db.stop();
 * }
 * ```
 */
export { defineConfig } from './config/define-config.ts';
export { loadConfig, validateConfig, findConfigFile, type LoadedConfig } from './config/load-config.ts';
export { resolveDbOptions, type DbFlags } from './config/resolve-options.ts';
export { resolveRelease, applyRelease, type AppliedRelease, type ReleaseSelection } from './config/resolve-release.ts';
export type { Config, UserConfig, DbProviderName, PageBudget, QueryBudget } from './config/schema.ts';
export { createProvider, type DbOptions } from './db/create-provider.ts';
export { findPostgresMajors, locatePostgresBinaries, type PostgresBinaries } from './db/embedded-binaries.ts';
export { POSTGRES_MAJORS, type PostgresMajor } from './db/postgres-majors.ts';
export type { ConnectionInfo, DbProvider, RunningDatabase, StartOptions } from './db/provider.ts';
export { maskUrl, connectionUrl, parseConnectionUrl } from './db/connection-url.ts';
export { REHEARSAL_SETTINGS } from './db/rehearsal-settings.ts';
export { locateK6, findK6, k6Version, type K6Binary } from './k6/locate-k6.ts';
export { runK6, K6_THRESHOLDS_FAILED, type K6RunOptions, type K6RunResult } from './k6/run-k6.ts';
export { K6_MODULE, K6_VERSION } from './k6/k6-version.ts';
export { runDoctor, type DoctorReport } from './doctor/run-doctor.ts';
export { RehearseError, UsageError, ConfigError, UnsafeTargetError, InfrastructureError, ScenarioError, RunRecordError } from './errors.ts';
export { REHEARSE_VERSION } from './version.ts';
export { defineScenario, dataset, page, think, type Scenario, type Dataset, type PageStep, type Journey, type Budget, type JsonValue, type Captures } from './scenario/define-scenario.ts';
export { spike, steady, soak, breakpoint, vus, rampingVus, stepped, type LoadShape } from './scenario/load-shapes.ts';
export { loadScenario, validateScenario } from './scenario/load-scenario.ts';
export { capacityLoad, expectedPeaks, DEFAULT_CAPACITY_STEPS, type CapacitySteps, type CapacityLoad } from './scenario/capacity-load.ts';
export { buildScript, type BuiltScript } from './scenario/build-script.ts';
export { importHar, type ImportOptions, type ImportedScenario } from './scenario/import-har.ts';
export { importRecording, type ImportRecordingOptions, type ImportedRecording } from './scenario/import-recording.ts';
export { readHarFile, type Har } from './scenario/har.ts';
export { type BuildOptions } from './scenario/plan-script.ts';
export { runRehearsal, type RehearsalOptions, type RehearsalOutcome } from './run/run-rehearsal.ts';
export type { ReleaseEventOptions } from './run/release-event-stage.ts';
export { lintMigration } from './release/migration-lint.ts';
export { splitMigration, readMigrationFolder, type MigrationStatementSource } from './release/migration-sql.ts';
export { startTrafficProxy, type TrafficProxy } from './release/traffic-proxy.ts';
export { rehearseAb, type AbOptions, type AbOutcome, type AbSideInput } from './ab/rehearse-ab.ts';
export type { AbSummary, AbRun } from './ab/ab-summary.ts';
export { readRunRecord, writeRunRecord, type RunRecord } from './run/run-record.ts';
export { aggregateK6Csv } from './collect/aggregate-k6-csv.ts';
export { fingerprintQuery } from './collect/query-fingerprint.ts';
export { collectExternalDatabase, markExternalDatabase, type ExternalDatabaseOptions } from './collect/external-database.ts';
export { collectRunnerOutputs, type CollectOptions } from './run/collect-runner-outputs.ts';
export { localK6Driver, type LocalK6Options } from './run/load-driver.ts';
export type { RunnerHost } from './k6/runner-host.ts';
export { seed, defaultSeedTarget, type SeedOptions } from './seed/seed.ts';
export { seedDatabase } from './seed/seed-database.ts';
export { defineModel, type DataModel, type ColumnSpec, type RowCount, type TableModel, type FakeKind, type JsonShape } from './seed/model.ts';
export type { Distribution, Pick } from './seed/distribution.ts';
export { gen, dist, pick } from './seed/column-specs.ts';
export { loadModel } from './seed/load-model.ts';
export { validateModel } from './seed/model-schema.ts';
export { planSeed, type SeedPlan } from './seed/plan.ts';
export { introspectSchema } from './seed/introspect.ts';
export { SeedRefusedError, SeedDataError, ModelError, type PlanProblem } from './seed/seed-errors.ts';
export type { SeedResult, SeedEvent } from './seed/seed-events.ts';
export { runStatement, type StatementResult } from './db/run-statement.ts';
export { markDisposable } from './db/disposable-marker.ts';
export { createProjectProvider } from './db/project-provider.ts';
export { analyzeRuns, type AnalyzeOptions } from './analyze/analyze-runs.ts';
export type { BudgetSets, QueryBudgetRule } from './analyze/budget-checks.ts';
export { queryBudgetRules } from './report/query-budget-rules.ts';
export type { Analysis, Check, CapacitySummary, CapacityStep, CapacityChange } from './analyze/analysis.ts';
export { analyzeCapacity } from './analyze/capacity.ts';
export { DEFAULT_THRESHOLDS } from './analyze/thresholds.ts';
export { reportRuns, type ReportRunsOptions, type ReportOutcome } from './report/report-runs.ts';
export { RENDERERS, REPORT_FORMATS } from './report/renderers.ts';
