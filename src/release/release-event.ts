import { open } from 'node:fs/promises';
import type pg from 'pg';
import type { Collector, PhaseStart } from '../collect/collector.ts';
import type { MigrationStatementSource } from './migration-sql.ts';
import type { MigrateCommandRun } from './run-migrate-command.ts';
import { runMigration } from './run-migration.ts';
import type { MigrationFinding, ReleaseAction, ReleaseEvent } from './release-event-schema.ts';
import type { TrafficProxy } from './traffic-proxy.ts';

/** A release event as asked for, checked before anything starts. */
export interface ReleaseEventPlan {
  baseline: string;
  candidate: string;
  deployAtSeconds: number;
  rollbackAtSeconds?: number;
  migrate: ReleaseEvent['migrate'];
  statements: readonly MigrationStatementSource[];
  findings: readonly MigrationFinding[];
}

export interface ReleaseEventInputs {
  plan: ReleaseEventPlan;
  proxy: TrafficProxy;
  /** The baseline app, already serving behind the proxy. */
  baselineUrl: string;
  /** The baseline app's log file, read after a rollback for its first error. */
  baselineLog: string | null;
  /** Runs the candidate's migrate command (`plan.migrate.kind` "command") on the live database, its locks sampled. */
  runMigrateCommand?(): Promise<MigrateCommandRun>;
  /** Starts the candidate app (its owner stops it with the run) and returns its URL and log file. */
  startCandidate(): Promise<{ baseUrl: string; logFile: string }>;
  log(line: string): void;
}

/**
 * The release event as a participant of the load: when the load starts it
 * schedules the deploy (migrate the live database while the baseline serves,
 * start the candidate, move traffic to it) and the rollback (move traffic
 * back; the schema stays as the candidate left it, as in a real rollback),
 * and at the end it returns what happened as the record's `releaseEvent`.
 */
export function releaseEventCollector(inputs: ReleaseEventInputs): Collector<{ releaseEvent: ReleaseEvent }> {
  const { plan, proxy } = inputs;
  const actions: ReleaseAction[] = [];
  const timers: NodeJS.Timeout[] = [];
  const section: ReleaseEvent = {
    baseline: plan.baseline,
    candidate: plan.candidate,
    actions,
    migrate: plan.migrate,
    statements: [],
    findings: [...plan.findings],
    proxyErrors: 0,
    candidateLog: null,
    firstErrorAfterRollback: null,
    lockSampleFailures: 0,
    loadStartedAt: null,
  };
  let connection: pg.ClientConfig | undefined;
  let deploying: Promise<void> = Promise.resolve();
  const fired: Promise<void>[] = [];
  let baselineLogOffset: number | null = null;

  const deploy = async (action: ReleaseAction): Promise<void> => {
    action.startedAt = Date.now();
    inputs.log(`release event: deploying ${plan.candidate}${plan.statements.length > 0 ? ` (${plan.statements.length} migration statement(s) on the live database)` : ''}`);
    if (plan.statements.length > 0) {
      const migrated = await runMigration(connection!, plan.statements);
      section.statements = migrated.statements;
      section.lockSampleFailures += migrated.sampleFailures;
      if (migrated.error) return void (action.error = `migration failed: ${migrated.error}`);
    }
    if (plan.migrate.kind === 'command' && inputs.runMigrateCommand) {
      inputs.log(`release event: running ${plan.migrate.source} on the live database`);
      const migrated = await inputs.runMigrateCommand();
      section.statements = migrated.statements;
      section.migrateCommand = migrated.result;
      section.findings.push(...migrated.findings);
      section.lockSampleFailures += migrated.sampleFailures;
      // As a deploy pipeline does: a failed migration stops the rollout, and the baseline keeps serving.
      if (migrated.error) return void (action.error = `migration failed: ${migrated.error}`);
    }
    const candidate = await inputs.startCandidate();
    section.candidateLog = candidate.logFile;
    proxy.route(candidate.baseUrl);
    action.switchedAt = Date.now();
    inputs.log(`release event: traffic moved to ${plan.candidate} after ${((action.switchedAt - action.startedAt) / 1000).toFixed(1)}s`);
  };

  const rollback = async (action: ReleaseAction): Promise<void> => {
    // A rollback due while the deploy is still migrating waits for it, as an operator would.
    await deploying;
    action.startedAt = Date.now();
    baselineLogOffset = await fileSize(inputs.baselineLog);
    proxy.route(inputs.baselineUrl);
    action.switchedAt = Date.now();
    inputs.log(`release event: traffic moved back to ${plan.baseline}`);
  };

  /** Runs `work` at `atSeconds` after the load's start; the promise is there once the timer fired. */
  const schedule = (kind: ReleaseAction['kind'], atSeconds: number, loadStartedAt: number, work: (action: ReleaseAction) => Promise<void>): void => {
    const action: ReleaseAction = { kind, atSeconds, startedAt: null, switchedAt: null, error: null };
    actions.push(action);
    const timer = setTimeout(() => {
      const running = work(action).catch((error: unknown) => {
        action.error = error instanceof Error ? error.message : String(error);
      });
      if (kind === 'deploy') deploying = running;
      fired.push(running);
    }, Math.max(0, loadStartedAt + atSeconds * 1000 - Date.now()));
    timers.push(timer);
  };

  return {
    name: 'release event',
    async start(context) {
      connection = context.connection;
    },
    onPhase(phase: PhaseStart) {
      if (section.loadStartedAt !== null) return;
      section.loadStartedAt = phase.startedAt;
      schedule('deploy', plan.deployAtSeconds, phase.startedAt, deploy);
      if (plan.rollbackAtSeconds !== undefined) schedule('rollback', plan.rollbackAtSeconds, phase.startedAt, rollback);
    },
    async end() {
      for (const timer of timers) clearTimeout(timer);
      // An action under way finishes (a migration cannot be abandoned halfway); one not yet due never starts.
      await Promise.all(fired);
      section.proxyErrors = proxy.failedRequests;
      if (baselineLogOffset !== null && inputs.baselineLog) section.firstErrorAfterRollback = await firstErrorLine(inputs.baselineLog, baselineLogOffset);
      return { releaseEvent: section };
    },
  };
}

async function fileSize(file: string | null): Promise<number | null> {
  if (!file) return null;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return 0;
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

const ERROR_LINE = /error|exception|does not exist|violates|fatal/i;

/** The first line written to `file` after `offset` that reads like an error (the app's own words for why it fails). */
async function firstErrorLine(file: string, offset: number): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size - offset, 1 << 20);
    if (length <= 0) return null;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    const line = buffer.toString('utf8').split('\n').find((text) => ERROR_LINE.test(text));
    return line ? line.trim().slice(0, 500) : null;
  } finally {
    await handle.close();
  }
}
