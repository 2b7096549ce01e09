import { describe, expect, it } from 'vitest';
import { planExecutionSegments } from '../../src/k6/execution-segments.ts';
import { runnerRawFile } from '../../src/run/load-driver.ts';

describe('execution segments for several runners', () => {
  it('splits the load into equal, adjacent segments of one sequence, in reduced fractions', () => {
    expect(planExecutionSegments(1)).toEqual({ sequence: '0,1', segments: ['0:1'] });
    expect(planExecutionSegments(2)).toEqual({ sequence: '0,1/2,1', segments: ['0:1/2', '1/2:1'] });
    expect(planExecutionSegments(4)).toEqual({ sequence: '0,1/4,1/2,3/4,1', segments: ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1'] });
  });

  it('refuses a number of runners that is not a whole number of at least one', () => {
    expect(() => planExecutionSegments(0)).toThrow(RangeError);
    expect(() => planExecutionSegments(1.5)).toThrow(RangeError);
  });

  it('names each runner’s raw file beside the phase’s', () => {
    expect(runnerRawFile('/runs/r1/k6-samples.csv.gz', 0)).toBe('/runs/r1/k6-samples.runner-1.csv.gz');
    expect(runnerRawFile('/runs/r1/raw', 2)).toBe('/runs/r1/raw.runner-3');
  });
});
