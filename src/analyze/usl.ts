/** One measured plateau: concurrency N from Little's law (throughput × mean response time), throughput X in requests/s. */
export interface UslPoint {
  concurrency: number;
  throughput: number;
}

/** Gunther's Universal Scalability Law fitted to measured plateaus: X(N) = λN / (1 + σ(N−1) + κN(N−1)). */
export interface UslFit {
  /** Contention: the share of the work that queues on a shared resource. */
  sigma: number;
  /** Coherency (crosstalk): the cost each pair of concurrent requests adds, which makes throughput fall past the peak. */
  kappa: number;
  /** Throughput of one request at a time, requests/s. */
  lambda: number;
  /** √((1−σ)/κ): where throughput peaks; null when κ = 0 or σ ≥ 1 (no peak above one request). */
  peakConcurrency: number | null;
  /** X at peakConcurrency, requests/s; null with it. */
  peakThroughput: number | null;
  rSquared: number;
  /** Mean |fitted − measured| / measured, a fraction like error rates elsewhere (0.021 is 2.1 %). */
  meanAbsolutePercentError: number;
  poor: boolean;
  reason: string | null;
}

/** Fewer plateaus than this cannot tell contention from coherency (usl4j and Gunther ask for at least six). */
const MIN_POINTS = 6;
/** Below this the curve explains too little of the measured throughput to predict from. */
const MIN_R_SQUARED = 0.9;
const MAX_ITERATIONS = 500;

interface Coefficients {
  sigma: number;
  kappa: number;
  lambda: number;
}

/** X(N) under the USL. */
export function uslThroughput(coefficients: Coefficients, concurrency: number): number {
  const { sigma, kappa, lambda } = coefficients;
  return (lambda * concurrency) / (1 + sigma * (concurrency - 1) + kappa * concurrency * (concurrency - 1));
}

/**
 * Fits the USL by nonlinear least squares on throughput, as R's `nls` does for Gunther and usl4j
 * does with its solver: a start from Gunther's linearisation, then Levenberg–Marquardt kept inside
 * σ, κ ≥ 0 and λ > 0 (negative coefficients have no physical reading). Points with a non-positive
 * or non-finite concurrency or throughput (an idle plateau) are left out before counting.
 *
 * @example
 * const fit = fitUsl(steps.map((step) => ({ concurrency: step.vus, throughput: step.rps })));
 * if (!fit.poor) console.log(`peaks near ${fit.peakConcurrency} concurrent requests`);
 */
export function fitUsl(points: UslPoint[]): UslFit | { poor: true; reason: string } {
  const usable = points.filter((point) => isPositive(point.concurrency) && isPositive(point.throughput));
  if (usable.length < MIN_POINTS) return { poor: true, reason: `only ${usable.length} points (needs ${MIN_POINTS})` };
  const levels = new Set(usable.map((point) => point.concurrency)).size;
  if (levels < 3) return { poor: true, reason: `only ${levels} concurrency levels (needs 3 to tell contention from coherency)` };
  const coefficients = refine(usable, linearisedStart(usable));
  return describe(usable, coefficients);
}

function isPositive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

/**
 * Gunther's linearisation: with λ taken as the best measured throughput per unit of concurrency,
 * N·λ/X − 1 = σ(N−1) + κN(N−1) is linear in σ and κ; least squares without intercept gives the start.
 */
function linearisedStart(points: readonly UslPoint[]): Coefficients {
  const lambda = Math.max(...points.map((point) => point.throughput / point.concurrency));
  const rows = points.map(({ concurrency: n, throughput: x }) => ({ a: n - 1, b: n * (n - 1), y: (n * lambda) / x - 1 }));
  const sum = (term: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + term(row), 0);
  const solution = solve(
    [
      [sum((row) => row.a * row.a), sum((row) => row.a * row.b)],
      [sum((row) => row.a * row.b), sum((row) => row.b * row.b)],
    ],
    [sum((row) => row.a * row.y), sum((row) => row.b * row.y)],
  );
  return { sigma: Math.max(0, solution?.[0] ?? 0), kappa: Math.max(0, solution?.[1] ?? 0), lambda };
}

/** Levenberg–Marquardt with Marquardt's diagonal scaling (λ is ~10⁶ times κ), each step clamped into the bounds. */
function refine(points: readonly UslPoint[], start: Coefficients): Coefficients {
  let current = start;
  let error = squaredError(points, current);
  let damping = 1e-3;
  for (let iteration = 0; iteration < MAX_ITERATIONS && damping < 1e12; iteration += 1) {
    const { normal, gradient } = normalEquations(points, current);
    const damped = normal.map((row, i) => row.map((value, j) => (i === j ? value * (1 + damping) : value)));
    const step = solve(damped, gradient);
    if (!step) {
      damping *= 10;
      continue;
    }
    const candidate = {
      sigma: Math.max(0, current.sigma + step[0]!),
      kappa: Math.max(0, current.kappa + step[1]!),
      lambda: Math.max(Number.MIN_VALUE, current.lambda + step[2]!),
    };
    const candidateError = squaredError(points, candidate);
    if (!(candidateError < error)) {
      damping *= 10;
      continue;
    }
    const improvement = (error - candidateError) / error;
    current = candidate;
    error = candidateError;
    damping = Math.max(damping / 10, 1e-12);
    if (improvement < 1e-14) break;
  }
  return current;
}

/** JᵀJ and Jᵀr for the residuals r = X measured − X fitted, in the order σ, κ, λ. */
function normalEquations(points: readonly UslPoint[], coefficients: Coefficients): { normal: number[][]; gradient: number[] } {
  const normal = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const gradient = [0, 0, 0];
  for (const { concurrency: n, throughput } of points) {
    const denominator = 1 + coefficients.sigma * (n - 1) + coefficients.kappa * n * (n - 1);
    const fitted = (coefficients.lambda * n) / denominator;
    const jacobian = [(-fitted * (n - 1)) / denominator, (-fitted * n * (n - 1)) / denominator, n / denominator];
    const residual = throughput - fitted;
    for (let i = 0; i < 3; i += 1) {
      gradient[i]! += jacobian[i]! * residual;
      for (let j = 0; j < 3; j += 1) normal[i]![j]! += jacobian[i]! * jacobian[j]!;
    }
  }
  return { normal, gradient };
}

function squaredError(points: readonly UslPoint[], coefficients: Coefficients): number {
  return points.reduce((sum, point) => sum + (point.throughput - uslThroughput(coefficients, point.concurrency)) ** 2, 0);
}

/** Gaussian elimination with partial pivoting; null when the system is singular. */
function solve(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] | null {
  const rows = matrix.map((row, i) => [...row, vector[i]!]);
  const size = rows.length;
  for (let column = 0; column < size; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < size; row += 1) if (Math.abs(rows[row]![column]!) > Math.abs(rows[pivot]![column]!)) pivot = row;
    if (rows[pivot]![column] === 0) return null;
    [rows[column], rows[pivot]] = [rows[pivot]!, rows[column]!];
    for (let row = column + 1; row < size; row += 1) {
      const factor = rows[row]![column]! / rows[column]![column]!;
      for (let k = column; k <= size; k += 1) rows[row]![k]! -= factor * rows[column]![k]!;
    }
  }
  const solution = new Array<number>(size).fill(0);
  for (let row = size - 1; row >= 0; row -= 1) {
    let value = rows[row]![size]!;
    for (let k = row + 1; k < size; k += 1) value -= rows[row]![k]! * solution[k]!;
    solution[row] = value / rows[row]![row]!;
  }
  return solution.every(Number.isFinite) ? solution : null;
}

function describe(points: readonly UslPoint[], coefficients: Coefficients): UslFit {
  const mean = points.reduce((sum, point) => sum + point.throughput, 0) / points.length;
  const total = points.reduce((sum, point) => sum + (point.throughput - mean) ** 2, 0);
  const residual = squaredError(points, coefficients);
  // Flat measurements fitted exactly (σ = 1) explain everything there is to explain.
  const rSquared = total > 0 ? 1 - residual / total : residual === 0 ? 1 : 0;
  const meanAbsolutePercentError =
    points.reduce((sum, point) => sum + Math.abs(uslThroughput(coefficients, point.concurrency) - point.throughput) / point.throughput, 0) / points.length;
  const peakConcurrency = coefficients.kappa > 0 && coefficients.sigma < 1 ? Math.sqrt((1 - coefficients.sigma) / coefficients.kappa) : null;
  const poor = !(rSquared >= MIN_R_SQUARED);
  return {
    ...coefficients,
    peakConcurrency,
    peakThroughput: peakConcurrency === null ? null : uslThroughput(coefficients, peakConcurrency),
    rSquared,
    meanAbsolutePercentError,
    poor,
    reason: poor ? `R² ${rSquared.toFixed(2)}: the steps do not follow the USL curve` : null,
  };
}
