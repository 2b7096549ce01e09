import { describe, expect, it } from 'vitest';
import { fitUsl, uslThroughput, type UslFit, type UslPoint } from '../../src/analyze/usl.ts';
import { seededRandom } from '../../src/analyze/statistics.ts';

// The Cisco benchmark from Baron Schwartz, "Practical Scalability Analysis with the Universal
// Scalability Law", as usl4j tests it (codahale/usl4j ModelTest): concurrency, requests/s.
const CISCO: UslPoint[] = [
  [1, 955.16], [2, 1878.91], [3, 2688.01], [4, 3548.68], [5, 4315.54], [6, 5130.43], [7, 5931.37], [8, 6531.08],
  [9, 7219.8], [10, 7867.61], [11, 8278.71], [12, 8646.7], [13, 9047.84], [14, 9426.55], [15, 9645.37], [16, 9897.24],
  [17, 10097.6], [18, 10240.5], [19, 10532.39], [20, 10798.52], [21, 11151.43], [22, 11518.63], [23, 11806], [24, 12089.37],
  [25, 12075.41], [26, 12177.29], [27, 12211.41], [28, 12158.93], [29, 12155.27], [30, 12118.04], [31, 12140.4], [32, 12074.39],
].map(([concurrency, throughput]) => ({ concurrency: concurrency!, throughput: throughput! }));

function fitted(points: UslPoint[]): UslFit {
  const fit = fitUsl(points);
  if (!('sigma' in fit)) throw new Error(`expected a fit, got: ${fit.reason}`);
  return fit;
}

function curve(coefficients: { sigma: number; kappa: number; lambda: number }, levels: number[], noise = (_level: number) => 1): UslPoint[] {
  return levels.map((concurrency) => ({ concurrency, throughput: uslThroughput(coefficients, concurrency) * noise(concurrency) }));
}

describe('Universal Scalability Law fit', () => {
  it('finds the coefficients the book lists for the Cisco benchmark, within 0.02 % as usl4j does', () => {
    const fit = fitted(CISCO);
    expect(fit.sigma).toBeCloseTo(0.02671591, 5);
    expect(Math.abs(fit.sigma / 0.02671591 - 1)).toBeLessThan(2e-4);
    expect(Math.abs(fit.kappa / 7.690945e-4 - 1)).toBeLessThan(2e-4);
    expect(Math.abs(fit.lambda / 995.6486 - 1)).toBeLessThan(2e-4);
    // The book reads the peak at 35 concurrent requests (rounded down) and 12,341 requests/s there.
    expect(Math.floor(fit.peakConcurrency!)).toBe(35);
    expect(Math.abs(uslThroughput(fit, 35) / 12341.7456205207 - 1)).toBeLessThan(2e-4);
    expect(fit.peakThroughput!).toBeGreaterThanOrEqual(uslThroughput(fit, 35));
    expect(fit.rSquared).toBeGreaterThan(0.99);
    expect(fit.meanAbsolutePercentError).toBeLessThan(0.03);
    expect(fit).toMatchObject({ poor: false, reason: null });
  });

  it('recovers σ = κ = 0.02 from the six exact points of the R usl package test (coef.R)', () => {
    const loads = [1, 2, 4, 6, 8, 10];
    const throughputs = [1, 1.8868, 3.0769, 3.5294, 3.5398, 3.3557];
    const fit = fitted(loads.map((concurrency, i) => ({ concurrency, throughput: throughputs[i]! })));
    expect(fit.sigma).toBeCloseTo(0.02, 3);
    expect(fit.kappa).toBeCloseTo(0.02, 3);
    expect(fit.lambda).toBeCloseTo(1, 3);
    expect(fit.peakConcurrency!).toBeCloseTo(7, 2);
  });

  it('recovers the σ, κ and λ that generated noisy synthetic steps', () => {
    const truth = { sigma: 0.08, kappa: 0.002, lambda: 40 };
    const random = seededRandom(7);
    const fit = fitted(curve(truth, [1, 2, 4, 8, 12, 16, 24, 32, 48], () => 1 + (random() - 0.5) * 0.02));
    expect(Math.abs(fit.sigma - truth.sigma)).toBeLessThan(0.01);
    expect(Math.abs(fit.kappa / truth.kappa - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.lambda / truth.lambda - 1)).toBeLessThan(0.02);
    expect(fit.peakConcurrency!).toBeCloseTo(Math.sqrt((1 - truth.sigma) / truth.kappa), -1);
    expect(fit.poor).toBe(false);
  });

  it('keeps coefficients at zero rather than negative when throughput grows linearly', () => {
    const fit = fitted(curve({ sigma: 0, kappa: 0, lambda: 25 }, [1, 2, 3, 4, 5, 6, 7, 8]));
    expect(fit).toMatchObject({ sigma: 0, kappa: 0, peakConcurrency: null, peakThroughput: null, rSquared: 1, poor: false });
    expect(fit.lambda).toBeCloseTo(25, 6);
  });

  it('has no peak without coherency cost', () => {
    const fit = fitted(curve({ sigma: 0.1, kappa: 0, lambda: 10 }, [1, 2, 4, 8, 16, 32]));
    expect(fit).toMatchObject({ kappa: 0, peakConcurrency: null, peakThroughput: null });
    expect(fit.sigma).toBeCloseTo(0.1, 6);
  });

  it('fits flat throughput as pure contention (σ = 1) rather than calling it poor', () => {
    const fit = fitted([1, 2, 3, 4, 5, 6].map((concurrency) => ({ concurrency, throughput: 50 })));
    expect(fit).toMatchObject({ kappa: 0, rSquared: 1, poor: false });
    expect(fit.sigma).toBeCloseTo(1, 6);
    expect(fit.lambda).toBeCloseTo(50, 6);
  });

  it('refuses fewer than six points, and fewer than three concurrency levels', () => {
    expect(fitUsl(CISCO.slice(0, 4))).toEqual({ poor: true, reason: 'only 4 points (needs 6)' });
    expect(fitUsl([...CISCO.slice(0, 5), { concurrency: 0, throughput: 0 }])).toEqual({ poor: true, reason: 'only 5 points (needs 6)' });
    const twoLevels = [1, 1, 1, 2, 2, 2].map((concurrency) => ({ concurrency, throughput: concurrency * 10 }));
    expect(fitUsl(twoLevels)).toMatchObject({ poor: true, reason: expect.stringContaining('only 2 concurrency levels') });
  });

  it('calls the fit poor, with R², when the steps do not follow the curve', () => {
    const zigzag = [1, 2, 3, 4, 5, 6, 7, 8].map((concurrency) => ({ concurrency, throughput: concurrency % 2 === 0 ? 100 : 20 }));
    const fit = fitted(zigzag);
    expect(fit.poor).toBe(true);
    expect(fit.rSquared).toBeLessThan(0.9);
    expect(fit.reason).toMatch(/^R² -?\d\.\d\d: the steps do not follow the USL curve$/);
    expect(fit.meanAbsolutePercentError).toBeGreaterThan(0.2);
  });
});
