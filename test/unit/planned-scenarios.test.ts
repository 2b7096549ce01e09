import { describe, expect, it } from 'vitest';
import type { K6Executor, K6ScriptPlan } from '../../src/scenario/plan-script.ts';
import { plannedScenarios } from '../../src/scenario/planned-scenarios.ts';

function planOf(scenarios: Record<string, K6Executor>, plateaus?: K6ScriptPlan['plateaus']): K6ScriptPlan {
  const journey = (name: string) => ({ name, functionName: `journey_${name}`, datasetVariable: `data_${name}`, columns: [], steps: [] });
  return {
    scenarioName: 's',
    description: '',
    sourceFile: 's.ts',
    datasets: [],
    options: { scenarios, thresholds: {} },
    journeys: [journey('parents'), journey('teachers')],
    statusChecks: {},
    ...(plateaus ? { plateaus } : {}),
  };
}

describe('the load as planned, per k6 scenario', () => {
  it('integrates a ramping arrival rate stage by stage, per minute as well as per second', () => {
    const [parents, teachers] = plannedScenarios(
      planOf({
        parents: { executor: 'ramping-arrival-rate', exec: 'journey_parents', startRate: 1, timeUnit: '1s', preAllocatedVUs: 6, maxVUs: 56, stages: [{ duration: '10s', target: 5 }, { duration: '20s', target: 5 }, { duration: '4s', target: 0 }] },
        teachers: { executor: 'constant-arrival-rate', exec: 'journey_teachers', rate: 30, timeUnit: '1m', duration: '60s', preAllocatedVUs: 2, maxVUs: 20 },
      }),
    );
    // 10 s from 1 to 5/s (30), 20 s at 5/s (100), 4 s from 5 to 0/s (10).
    expect(parents).toEqual({ scenario: 'parents', journey: 'parents', step: null, warmup: false, offeredRate: 5, plannedArrivals: 140, preAllocatedVUs: 6, maxVUs: 56, startSeconds: 0, durationSeconds: 34 });
    expect(teachers).toMatchObject({ journey: 'teachers', offeredRate: 0.5, plannedArrivals: 30, durationSeconds: 60 });
  });

  it('names the plateau of a stepped load and its start, and has no arrivals for looping VUs', () => {
    const planned = plannedScenarios(
      planOf(
        {
          parents_s02: { executor: 'constant-arrival-rate', exec: 'journey_parents', rate: 8, timeUnit: '1s', duration: '20s', startTime: '35s', preAllocatedVUs: 10, maxVUs: 40 },
          teachers: { executor: 'constant-vus', exec: 'journey_teachers', vus: 3, duration: '30s' },
        },
        { parents_s02: { step: 1, warmup: false } },
      ),
    );
    expect(planned[0]).toMatchObject({ journey: 'parents', step: 1, warmup: false, offeredRate: 8, plannedArrivals: 160, startSeconds: 35 });
    expect(planned[1]).toMatchObject({ journey: 'teachers', step: null, offeredRate: null, plannedArrivals: null, preAllocatedVUs: 3, maxVUs: 3 });
  });
});
