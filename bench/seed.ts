/**
 * Seeder benchmark: for each benchmark model (the school-portal model with
 * its hand-written generators, and the Conduit schema of the corpus seeded
 * from row counts alone), seeds it, then loads the very same rows from
 * pre-written COPY files with the same pipeline (drop keys, COPY FROM STDIN
 * in the same lanes, same key/index/foreign-key builds, ANALYZE), and prints
 * rows/s, the ratio seeder ÷ raw COPY, and peak memory.
 *
 *   npm run bench -- [--models school-portal,conduit] [--scale 1] [--conduit-scale 30] [--seed 42] [--lanes 2] [--rounds 2] [--workers auto|on|off] [--json]
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import schoolPortal from '../fixtures/school-portal/model.ts';
import conduit from '../test/fixtures/schemas/conduit/model.ts';
import { withDatabase } from '../src/db/connection-url.ts';
import { createProvider } from '../src/db/create-provider.ts';
import type { RunningDatabase } from '../src/db/provider.ts';
import { CHUNK_ROWS } from '../src/seed/copy-table.ts';
import { CopyWriter } from '../src/seed/copy-writer.ts';
import { introspectSchema } from '../src/seed/introspect.ts';
import type { DataModel } from '../src/seed/model.ts';
import { planSeed } from '../src/seed/plan.ts';
import { RowGenerator } from '../src/seed/row-generator.ts';
import { seedDatabase, type DatabaseSeeded } from '../src/seed/seed-database.ts';

interface BenchModel {
  name: string;
  schema: URL;
  model: DataModel;
  /** What the numbers say about the model. */
  describe: string;
}

const MODELS: Record<string, BenchModel> = {
  'school-portal': {
    name: 'school-portal',
    schema: new URL('../fixtures/school-portal/migrations/001_schema.sql', import.meta.url),
    model: schoolPortal,
    describe: 'hand-written generators',
  },
  conduit: {
    name: 'conduit',
    schema: new URL('../test/fixtures/schemas/conduit/schema.sql', import.meta.url),
    model: conduit,
    describe: 'the corpus Conduit schema from row counts alone',
  },
};

interface BenchResult {
  model: string;
  scale: number;
  rows: number;
  lanes: number;
  rounds: { seederSeconds: number; rawSeconds: number; ratio: number }[];
  /** Means over the rounds. */
  seeder: { seconds: number; rowsPerSecond: number; checksum: string };
  rawCopy: { seconds: number; rowsPerSecond: number; fileBytes: number };
  ratio: number;
  peakMemoryMiB: number;
  memoryAfterSeedMiB: number;
  cpus: number;
  postgres: string;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: 'school-portal,conduit' },
      scale: { type: 'string', default: '1' },
      'conduit-scale': { type: 'string', default: '30' },
      seed: { type: 'string', default: '42' },
      lanes: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '2' },
      workers: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
    },
  });
  const seedValue = Number(values.seed);
  const lanes = Number(values.lanes);
  const rounds = Math.max(1, Number(values.rounds));
  const workers = values.workers === 'on' ? true : values.workers === 'off' ? false : undefined;
  const scales: Record<string, number> = { 'school-portal': Number(values.scale), conduit: Number(values['conduit-scale']) };
  const chosen = values.models.split(',').map((name) => {
    const model = MODELS[name.trim()];
    if (!model) throw new Error(`--models: no benchmark model "${name}" (models: ${Object.keys(MODELS).join(', ')})`);
    return model;
  });
  const server = await createProvider({ provider: 'embedded', settings: {} }).start();
  try {
    const results: BenchResult[] = [];
    for (const bench of chosen) {
      const result = await benchModel(server, bench, { scale: scales[bench.name]!, seed: seedValue, lanes, rounds, workers });
      results.push(result);
      if (!values.json) process.stdout.write(render(result, bench));
    }
    if (values.json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results)}\n`);
    return 0;
  } finally {
    await server.stop();
  }
}

interface BenchOptions {
  scale: number;
  seed: number;
  lanes: number;
  rounds: number;
  workers: boolean | undefined;
}

async function benchModel(server: RunningDatabase, bench: BenchModel, options: BenchOptions): Promise<BenchResult> {
  const { scale, seed: seedValue, lanes, rounds, workers } = options;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-bench-'));
  try {
    const schema = await readFile(bench.schema, 'utf8');
    await migrated(server, 'bench_files', schema);
    log(`${bench.name}: writing the seeder's rows at scale ${scale} to COPY files for the raw baseline (not timed)…`);
    const fileBytes = await writeCopyFiles(withDatabase(server.url, 'bench_files'), bench.model, scale, seedValue, workDir);
    await server.admin.query('drop database bench_files');
    const runs: { seeded: DatabaseSeeded; raw: DatabaseSeeded; peak: number; afterSeed: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Alternating which goes first spreads a noisy neighbour's load over both.
      const order = round % 2 === 1 ? (['seeder', 'raw'] as const) : (['raw', 'seeder'] as const);
      let seeded: DatabaseSeeded | undefined;
      let raw: DatabaseSeeded | undefined;
      let peak = 0;
      let afterSeed = 0;
      for (const which of order) {
        const name = `bench_${which}_${round}`;
        await migrated(server, name, schema);
        const seedOptions = { url: withDatabase(server.url, name), model: bench.model, scale, seed: seedValue, lanes, ...(workers === undefined ? {} : { workers }) };
        if (which === 'seeder') {
          seeded = await seedDatabase(seedOptions);
          afterSeed = process.memoryUsage().rss;
          peak = process.resourceUsage().maxRSS * 1024;
        } else {
          raw = await seedDatabase({ ...seedOptions, rowFile: (table) => path.join(workDir, `${table}.copy`) });
        }
        await server.admin.query(`drop database ${name}`);
      }
      if (raw!.checksum !== seeded!.checksum) throw new Error(`the raw COPY loaded other data (checksum ${raw!.checksum} ≠ ${seeded!.checksum})`);
      const phases = (r: DatabaseSeeded) => `COPY ${r.phases.copy.toFixed(1)} s + keys/indexes/FKs/ANALYZE ${r.phases.keysIndexesForeignKeysAnalyze.toFixed(1)} s`;
      log(`  ${bench.name} round ${round}: seeder ${seeded!.seconds.toFixed(1)} s (${phases(seeded!)}), raw COPY ${raw!.seconds.toFixed(1)} s (${phases(raw!)}), ratio ${(seeded!.seconds / raw!.seconds).toFixed(2)}`);
      runs.push({ seeded: seeded!, raw: raw!, peak, afterSeed });
    }
    const version = (await server.admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    return summarise(bench.name, scale, lanes, runs, fileBytes, version);
  } finally {
    await rm(workDir, { recursive: true, force: true });
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

/** The seeder's own rows, as COPY text files: what a raw COPY would load. */
async function writeCopyFiles(url: string, model: DataModel, scale: number, seed: number, dir: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const snapshot = await introspectSchema(client).finally(() => client.end());
  const plan = await planSeed(snapshot, model, { scale, seed });
  const generator = new RowGenerator(plan, seed);
  let bytes = 0;
  for (const table of plan.tables) {
    const file = path.join(dir, `${table.name}.copy`);
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    const generated = generator.table(table.name);
    const ctx = generated.newContext();
    const writer = new CopyWriter();
    for (let from = 0; from < generated.rows; from += CHUNK_ROWS) {
      if (!out.write(generated.renderChunk(ctx, from, Math.min(generated.rows, from + CHUNK_ROWS), writer))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    bytes += (await stat(file)).size;
  }
  return bytes;
}

function summarise(model: string, scale: number, lanes: number, runs: { seeded: DatabaseSeeded; raw: DatabaseSeeded; peak: number; afterSeed: number }[], fileBytes: number, version: string): BenchResult {
  const seederSeconds = runs.reduce((sum, r) => sum + r.seeded.seconds, 0);
  const rawSeconds = runs.reduce((sum, r) => sum + r.raw.seconds, 0);
  const rows = runs[0]!.seeded.totalRows;
  return {
    model,
    scale,
    rows,
    lanes,
    rounds: runs.map((r) => ({ seederSeconds: r.seeded.seconds, rawSeconds: r.raw.seconds, ratio: round2(r.seeded.seconds / r.raw.seconds) })),
    seeder: { seconds: round2(seederSeconds / runs.length), rowsPerSecond: Math.round((rows * runs.length) / seederSeconds), checksum: runs[0]!.seeded.checksum },
    rawCopy: { seconds: round2(rawSeconds / runs.length), rowsPerSecond: Math.round((rows * runs.length) / rawSeconds), fileBytes },
    ratio: round2(seederSeconds / rawSeconds),
    peakMemoryMiB: Math.round(Math.max(...runs.map((r) => r.peak)) / 2 ** 20),
    memoryAfterSeedMiB: Math.round(Math.max(...runs.map((r) => r.afterSeed)) / 2 ** 20),
    cpus: os.availableParallelism(),
    postgres: version,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function render(r: BenchResult, bench: BenchModel): string {
  return [
    `${r.model} seed benchmark, ${bench.describe} (scale ${r.scale}, ${r.rows.toLocaleString('en-GB')} rows, ${r.lanes} lanes, ${r.cpus} CPUs, Postgres ${r.postgres}, mean of ${r.rounds.length} alternating rounds)`,
    `  seeder:   ${r.seeder.seconds.toFixed(1)} s  ${r.seeder.rowsPerSecond.toLocaleString('en-GB')} rows/s`,
    `  raw COPY: ${r.rawCopy.seconds.toFixed(1)} s  ${r.rawCopy.rowsPerSecond.toLocaleString('en-GB')} rows/s  (same rows from ${(r.rawCopy.fileBytes / 2 ** 20).toFixed(0)} MiB of files, same index builds)`,
    `  ratio seeder / raw COPY: ${r.ratio.toFixed(2)}  (target ≤ 1.25; per round ${r.rounds.map((x) => x.ratio.toFixed(2)).join(', ')})`,
    `  peak memory (RSS) during the seed: ${r.peakMemoryMiB} MiB  (target ≤ 1 GiB)`,
    `  checksum: ${r.seeder.checksum}`,
    '',
  ].join('\n');
}
