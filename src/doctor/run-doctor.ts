import { DOCTOR_CHECKS, type Check, type CheckResult, type DoctorContext } from './checks.ts';

export interface DoctorLine extends CheckResult {
  label: string;
  required: boolean;
}

export interface DoctorReport {
  lines: DoctorLine[];
  /** True when every required check passed: the embedded default path works. */
  ok: boolean;
}

/** Runs the checks one after another (the embedded check starts a server). */
export async function runDoctor(context: DoctorContext, checks: readonly Check[] = DOCTOR_CHECKS): Promise<DoctorReport> {
  const lines: DoctorLine[] = [];
  for (const check of checks) {
    const result = await check.run(context).catch((error: Error): CheckResult => ({ status: 'missing', detail: `check failed: ${error.message}` }));
    lines.push({ label: check.label, required: check.required, ...result });
  }
  return { lines, ok: lines.every((line) => !line.required || line.status === 'ok' || line.status === 'warn') };
}
