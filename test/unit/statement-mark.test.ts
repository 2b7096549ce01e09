import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatementMark, writeStatementMark, type StatementMark } from '../../src/collect/statement-mark.ts';
import { StatementMarkError } from '../../src/errors.ts';

const MARK: StatementMark = {
  kind: 'rehearse statement mark v1',
  target: 'db.staging:5432/portal',
  statsResetAt: '2026-12-01T03:00:00.000Z',
  snapshot: {
    database: 'portal',
    takenAt: 1_796_094_000_000,
    deallocations: 0,
    entries: [
      { userId: '10', queryId: '42', toplevel: true, query: 'select * from posts where id = $1', calls: 3, totalMs: 1.5, meanMs: 0.5, stddevMs: 0.1, minMs: 0.4, maxMs: 0.6, rows: 3, sharedBlocksHit: 9, sharedBlocksRead: 0, tempBlocksRead: 0, tempBlocksWritten: 0 },
    ],
  },
};

describe('statement marks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-mark-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back the mark it wrote', async () => {
    const file = path.join(dir, 'mark.json');
    await writeStatementMark(file, MARK);
    expect(await readStatementMark(file, MARK.target)).toEqual(MARK);
  });

  it.each([
    ['a missing file', undefined, /no such file: take the mark before the load/],
    ['a file that is not JSON', 'not json', /not JSON/],
    ['JSON that is not a mark', JSON.stringify({ kind: 'something else' }), /not a statement mark \(kind\)/],
  ])('refuses %s, naming the file and what to do', async (_case, text, message) => {
    const file = path.join(dir, `bad-${Math.random()}.json`);
    if (text !== undefined) await writeFile(file, text);
    const read = readStatementMark(file, MARK.target);
    await expect(read).rejects.toBeInstanceOf(StatementMarkError);
    await expect(readStatementMark(file, MARK.target)).rejects.toThrow(message);
  });

  it('refuses a mark of another database, saying which', async () => {
    const file = path.join(dir, 'other.json');
    await writeStatementMark(file, MARK);
    await expect(readStatementMark(file, 'db.staging:5432/other')).rejects.toThrow(/a mark of db\.staging:5432\/portal, not of db\.staging:5432\/other/);
  });
});
