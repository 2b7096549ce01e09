import { describe, expect, it } from 'vitest';
import { psqlArguments, renderStatementResult } from '../../src/cli/db-psql.ts';

describe('db psql -c', () => {
  it('prints rows like psql: aligned, numbers to the right, NULL empty, a row count', () => {
    const text = renderStatementResult({
      command: 'SELECT',
      rowCount: 2,
      columns: [{ name: 'username', numeric: false }, { name: 'follows', numeric: true }, { name: 'bio', numeric: false }],
      rows: [['jane_smith', '12', null], ['al', '3', 'line one\nline two']],
    });
    expect(text).toBe(
      [
        '  username  | follows |        bio',
        '------------+---------+--------------------',
        ' jane_smith |      12 |',
        ' al         |       3 | line one\\nline two',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    expect(renderStatementResult({ command: 'UPDATE', rowCount: 5, columns: [], rows: [] })).toBe('UPDATE 5\n');
  });

  it('tells the statement from a config: -c after psql is SQL, before it or --config is the config file', () => {
    expect(psqlArguments(['node', 'rehearse', 'db', 'psql', '-c', 'select 1'])).toEqual({ sql: 'select 1' });
    expect(psqlArguments(['node', 'rehearse', '-c', 'my.config.ts', 'db', 'psql', '-c', 'select 2'])).toEqual({ sql: 'select 2', config: 'my.config.ts' });
    expect(psqlArguments(['node', 'rehearse', 'db', 'psql', '--config', 'x.ts', '--database', 'shop'])).toEqual({ config: 'x.ts' });
    expect(psqlArguments(['node', 'rehearse', 'db', 'psql'], 'select 3')).toEqual({ sql: 'select 3' });
  });
});
