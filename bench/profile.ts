/**
 * Profile benchmark: seeds a "production" database from the school-portal
 * model, captures its profile, then seeds fresh copies of the schema two
 * ways in alternating rounds: from the profile (row counts and column
 * statistics) and from the same row counts with the generators rehearse
 * derives by itself. Prints both times, the ratio profile ÷ row counts, and
 * the fidelity of the profile seed to the profile.
 *
 *   npm run bench -- --only profile [--scale 0.1] [--seed 42] [--lanes 2] [--rounds 2] [--json]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import schoolPortal from '../fixtures/school-portal/model.ts';
import { withDatabase } from '../src/db/connection-url.ts';
import { createProvider } from '../src/db/create-provider.ts';
import type { RunningDatabase } from '../src/db/provider.ts';
import { captureProfile } from '../src/profile/capture-profile.ts';
import { compareFidelity, renderFidelity } from '../src/profile/fidelity.ts';
import { modelFromProfile } from '../src/profile/profile-model.ts';
import type { Profile } from '../src/profile/profile-schema.ts';
import type { DataModel } from '../src/seed/model.ts';
import { seedDatabase } from '../src/seed/seed-database.ts';

const SCHEMA = new URL('../fixtures/school-portal/migrations/001_schema.sql', import.meta.url);

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '42' },
      lanes: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  const lanes = Number(values.lanes);
  const rounds = Math.max(1, Number(values.rounds));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const schema = await readFile(SCHEMA, 'utf8');
  const server = await createProvider({ provider: 'embedded', settings: {} }).start();
  try {
    log(`profile bench: seeding "production" from the school-portal model at scale ${scale} and capturing its profile (not timed)…`);
    await migrated(server, 'bench_production', schema);
    await seedDatabase({ url: withDatabase(server.url, 'bench_production'), model: schoolPortal, scale, seed: seed + 1, lanes });
    const profile = await captureProfile({ url: withDatabase(server.url, 'bench_production') });
    await server.admin.query('drop database bench_production');
    const fromProfile = modelFromProfile(profile);
    const fromCounts: DataModel = { name: 'row-counts', tables: Object.fromEntries(profile.tables.map((t) => [t.name, { rows: t.rows }])) };
    const timings: { profile: number; counts: number }[] = [];
    let fidelityText = '';
    let fidelity: ReturnType<typeof compareFidelity> | undefined;
    for (let round = 1; round <= rounds; round++) {
      // Alternating which goes first spreads a noisy neighbour's load over both.
      const order = round % 2 === 1 ? (['profile', 'counts'] as const) : (['counts', 'profile'] as const);
      const timing = { profile: 0, counts: 0 };
      for (const which of order) {
        const name = `bench_${which}_${round}`;
        await migrated(server, name, schema);
        const url = withDatabase(server.url, name);
        const seeded = await seedDatabase({ url, model: which === 'profile' ? fromProfile : fromCounts, scale: 1, seed, lanes });
        timing[which] = seeded.seconds;
        if (which === 'profile' && !fidelity) {
          fidelity = compareFidelity(profile, await captureProfile({ url }), 1);
          fidelityText = renderFidelity(fidelity);
        }
        await server.admin.query(`drop database ${name}`);
      }
      log(`  round ${round}: from the profile ${timing.profile.toFixed(1)} s, from row counts ${timing.counts.toFixed(1)} s, ratio ${(timing.profile / timing.counts).toFixed(2)}`);
      timings.push(timing);
    }
    const total = (key: 'profile' | 'counts') => timings.reduce((sum, t) => sum + t[key], 0);
    const ratio = total('profile') / total('counts');
    const rows = profile.tables.reduce((sum, t) => sum + t.rows, 0);
    const result = {
      scale,
      rows,
      rounds: timings,
      profileSeconds: total('profile') / rounds,
      rowCountSeconds: total('counts') / rounds,
      ratio: Math.round(ratio * 100) / 100,
      fidelity: fidelity && { columns: fidelity.columns.length, withinTolerance: fidelity.withinTolerance, goalMet: fidelity.goalMet },
      postgres: profile.server.version,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(render(result, fidelityText, profile));
    return ratio <= 1.25 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

async function migrated(server: RunningDatabase, name: string, schema: string): Promise<void> {
  await server.admin.query(`create database ${name}`);
  const client = new pg.Client({ connectionString: withDatabase(server.url, name) });
  await client.connect();
  try {
    await client.query(schema);
  } finally {
    await client.end();
  }
}

function render(r: { scale: number; rows: number; profileSeconds: number; rowCountSeconds: number; ratio: number; rounds: unknown[] }, fidelity: string, profile: Profile): string {
  return [
    `profile seed benchmark: school-portal schema, "production" at scale ${r.scale} (${r.rows.toLocaleString('en-GB')} rows, ${profile.tables.length} tables), Postgres ${profile.server.version}, mean of ${r.rounds.length} alternating rounds`,
    `  from the profile:        ${r.profileSeconds.toFixed(1)} s`,
    `  from the same row counts: ${r.rowCountSeconds.toFixed(1)} s`,
    `  ratio profile / row counts: ${r.ratio.toFixed(2)}  (target ≤ 1.25)`,
    fidelity,
  ].join('\n');
}
