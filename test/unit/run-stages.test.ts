import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.ts';
import { renderRunSummary } from '../../src/run/render-run-summary.ts';
import { StageFailure, StageLog } from '../../src/run/stages.ts';
import { InterruptedError } from '../../src/system/abort.ts';
import { runRecord } from '../support/run-record-builders.ts';

const PLANNED = ['database', 'seed', 'load', 'results', 'probe'];

function stageLog(controller = new AbortController()) {
  const lines: string[] = [];
  return { log: new StageLog(PLANNED, controller.signal, (line) => lines.push(line)), lines, controller };
}

describe('the stages of a run', () => {
  it('is complete when every planned stage was ok', async () => {
    const { log, lines } = stageLog();
    for (const name of PLANNED) expect(await log.run(name, `doing ${name}`, async () => name)).toBe(name);
    const outcome = log.outcome();
    expect(outcome).toMatchObject({ status: 'complete', failure: null });
    expect(outcome.stages.map((stage) => [stage.name, stage.status])).toEqual(PLANNED.map((name) => [name, 'ok']));
    expect(lines).toEqual(PLANNED.map((name) => `doing ${name}`));
  });

  it('keeps going after a failed stage and names the first failure; stages never reached are not-run', async () => {
    const { log } = stageLog();
    await log.run('database', 'db', async () => 'ok');
    await log.run('seed', 'seed', async () => 'ok');
    log.begin('load', 'load').fail(new StageFailure('app', 'the app exited during the load (1)'));
    await log.run('results', 'results', async () => {
      throw new InfrastructureError('could not read k6 raw output');
    });
    const outcome = log.outcome();
    expect(outcome.status).toBe('incomplete');
    expect(outcome.failure).toEqual({ stage: 'app', message: 'the app exited during the load (1)' });
    expect(outcome.stages.map((stage) => `${stage.name}:${stage.status}`)).toEqual(['database:ok', 'seed:ok', 'load:failed', 'results:failed', 'probe:not-run']);
    expect(outcome.stages.at(-1)!.message).toBe('not run: app failed');
  });

  it('is interrupted during the stage the user stopped, and later stages do not run unless they only read what is there', async () => {
    const { log, controller } = stageLog();
    await log.run('database', 'db', async () => 'ok');
    await log.run('seed', 'seed', async () => {
      controller.abort('SIGINT');
      throw new InterruptedError('SIGINT');
    });
    expect(await log.run('load', 'load', async () => 'never')).toBeUndefined();
    expect(await log.run('results', 'results', async () => 'read anyway', { evenIfInterrupted: true })).toBe('read anyway');
    const outcome = log.outcome();
    expect(outcome.status).toBe('interrupted');
    expect(outcome.failure).toEqual({ stage: 'seed', message: 'interrupted by SIGINT during seed' });
    expect(outcome.stages.map((stage) => `${stage.name}:${stage.status}`)).toEqual(['database:ok', 'seed:failed', 'load:not-run', 'results:ok', 'probe:not-run']);
  });

  it('records a crash of rehearse itself as incomplete with the crash as the reason, not as the user', async () => {
    const { log, controller } = stageLog();
    await log.run('database', 'db', async () => {
      controller.abort(new Error('rehearse crashed: boom'));
      throw new InterruptedError('crash');
    });
    expect(log.outcome()).toMatchObject({ status: 'incomplete', failure: { stage: 'database', message: 'rehearse crashed: boom' } });
  });

  it('prints the stack of an unexpected error, and not of a failure a person can act on', async () => {
    const { log, lines } = stageLog();
    await log.run('database', 'db', async () => {
      throw new InfrastructureError('Postgres did not start');
    });
    await log.run('seed', 'seed', async () => {
      throw new TypeError('x is undefined');
    });
    expect(lines.filter((line) => line.startsWith('unexpected error'))).toEqual([expect.stringContaining('TypeError: x is undefined')]);
  });
});

describe('the run summary in the terminal', () => {
  it('names every stage that failed or did not run, so a reader knows what the record lacks', async () => {
    const { log } = stageLog();
    await log.run('database', 'db', async () => 'ok');
    await log.run('seed', 'seed', async () => 'ok');
    log.begin('load', 'load').fail(new StageFailure('app', 'the app exited during the load (1)'));
    const text = renderRunSummary({ ...runRecord(), ...log.outcome() }, 'reports/x/run.json');
    expect(text).toContain('run ');
    expect(text).toContain(': incomplete (app: the app exited during the load (1))');
    expect(text).toContain('  load: failed — the app exited during the load (1)');
    expect(text).toContain('  probe: not-run — not run: app failed');
    expect(text).not.toContain('seed: ');
  });
});

describe('CPU in the run summary', () => {
  it('gives each measured part its mean and busiest second, and says which part was not measured and why', () => {
    const cpu = {
      intervalMs: 1000,
      measured: ['app', 'k6'],
      notMeasured: { postgres: 'runs in a container' },
      samples: [
        { time: 1, cores: { app: 0.2, k6: 0.1 } },
        { time: 2, cores: { app: 0.6, k6: 0.3 } },
      ],
      failures: { count: 0, last: null },
    };
    expect(renderRunSummary({ ...runRecord(), cpu }, 'run.json')).toContain(
      'CPU during the load (cores, mean / busiest second): app 0.40 / 0.60 · k6 0.20 / 0.30 · postgres not measured (runs in a container)',
    );
  });
});
