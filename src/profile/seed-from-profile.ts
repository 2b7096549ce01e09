import { withDatabase } from '../db/connection-url.ts';
import { connectClient } from '../db/connect-client.ts';
import { setMarkerValues } from '../db/disposable-marker.ts';
import type { DataModel } from '../seed/model.ts';
import { defaultSeedTarget, seed, type SeedOptions } from '../seed/seed.ts';
import type { SeedResult } from '../seed/seed-events.ts';
import { captureProfile, SESSION_PLANNER_SETTINGS } from './capture-profile.ts';
import { compareFidelity, type FidelityReport } from './fidelity.ts';
import { differingPlans, planShapes } from './plan-shape.ts';
import { modelFromProfile } from './profile-model.ts';
import type { Profile } from './profile-schema.ts';
import { applyProfileSettings, type ProfileSettings } from './profile-settings.ts';

export interface ProfileSeedOptions extends Omit<SeedOptions, 'model'> {
  profile: Profile;
  /** A model whose row counts and generators win over the profile's. */
  model?: DataModel;
  /** The profile's file, recorded as where the applied settings came from (default "the profile"). */
  profileFile?: string;
  /** Setting names the config's `db.settings` holds: those keep the config's value. */
  configuredSettings?: readonly string[];
}

export type ProfileSeedResult = SeedResult & { fidelity: FidelityReport; settings: ProfileSettings };

/**
 * Seeds from a production profile (row counts from reltuples, columns
 * shaped by pg_stats), then measures how alike the result is: the seeded
 * database's own statistics against the profile's, and, when the profile
 * holds plan shapes, the same queries explained here under production's
 * planner settings. Those settings are set on the seeded database first
 * (those it can take; the others listed with why). The report and the
 * settings are also recorded in the target's marker.
 *
 * @example
 * const result = await seedFromProfile({ database, profile: await loadProfile('profile.json'), scale: 1, seed: 42 });
 * console.log(renderFidelity(result.fidelity));
 */
export async function seedFromProfile(options: ProfileSeedOptions): Promise<ProfileSeedResult> {
  const { profile, model, profileFile, configuredSettings, ...rest } = options;
  const result = await seed({ ...rest, model: modelFromProfile(profile, model) });
  const target = options.targetDatabase ?? defaultSeedTarget(options.database);
  const url = withDatabase(options.database.url, target);
  const settings = await applyProfileSettings({
    admin: options.database.admin,
    url: options.database.url,
    database: target,
    profile,
    source: profileFile ?? 'the profile',
    ...(configuredSettings ? { configured: configuredSettings } : {}),
  });
  const fidelity = await measureFidelity(url, profile, options.scale);
  const client = await connectClient(url);
  try {
    await setMarkerValues(client, { fidelity: JSON.stringify(fidelity), profileSettings: JSON.stringify(settings) });
  } finally {
    await client.end().catch(() => undefined);
  }
  return { ...result, fidelity, settings };
}

/** The fidelity of the database at `url` (already seeded and analyzed) to `profile`. */
export async function measureFidelity(url: string, profile: Profile, scale: number): Promise<FidelityReport> {
  const seeded = await captureProfile({ url, schema: profile.schema });
  const report = compareFidelity(profile, seeded, scale);
  if (!profile.plans?.length) return report;
  const shapes = await planShapes({ connectionString: url, options: sessionSettings(profile.settings) }, profile.plans.map((p) => p.query));
  return { ...report, planDifferences: differingPlans(profile.plans, shapes) };
}

/** `-c random_page_cost=1.1 -c work_mem=64MB …` for the settings a session may take. */
export function sessionSettings(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .filter(([name, value]) => SESSION_PLANNER_SETTINGS.includes(name) && /^[\w.-]+$/.test(value))
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}
