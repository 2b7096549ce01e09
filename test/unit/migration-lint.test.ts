import { describe, expect, it } from 'vitest';
import { lintMigration } from '../../src/release/migration-lint.ts';
import { splitMigration } from '../../src/release/migration-sql.ts';

async function rulesOf(sql: string): Promise<string[]> {
  return lintMigration(await splitMigration('002.sql', sql)).map((finding) => `${finding.rule}@${finding.index}`);
}

describe('the static check of migration SQL', () => {
  it('flags CREATE INDEX without CONCURRENTLY and lets the concurrent one pass', async () => {
    expect(await rulesOf(`set lock_timeout = '2s'; create index i on posts (school_id); create index concurrently j on posts (author_id);`)).toEqual(['create-index-not-concurrently@2']);
  });

  it('flags a foreign key or a check without NOT VALID, not with it', async () => {
    const sql = `set lock_timeout = '2s';
      alter table a add constraint f foreign key (b_id) references b (id);
      alter table a add constraint g foreign key (b_id) references b (id) not valid;
      alter table a add constraint c check (n > 0);
      alter table a add constraint d check (n > 0) not valid;`;
    expect(await rulesOf(sql)).toEqual(['foreign-key-without-not-valid@2', 'check-without-not-valid@4']);
  });

  it('flags SET NOT NULL, a column type change and a volatile default, not a constant default', async () => {
    const sql = `set lock_timeout = '2s';
      alter table a alter column n set not null;
      alter table a alter column n type bigint;
      alter table a add column r float8 default random();
      alter table a add column s text not null default 'x';`;
    expect(await rulesOf(sql)).toEqual(['set-not-null@2', 'column-type-change@3', 'volatile-default@4']);
  });

  it('names the relation and what the lock does to the app', async () => {
    const [finding] = lintMigration(await splitMigration('002.sql', `set lock_timeout = '1s'; alter table appointments alter column starts_at type timestamptz;`));
    expect(finding).toMatchObject({ relation: 'appointments', file: '002.sql', index: 2 });
    expect(finding!.message).toMatch(/rewrites the table under an ACCESS EXCLUSIVE lock/);
  });

  it('asks for a lock_timeout in a file that alters a table, even harmlessly', async () => {
    expect(await rulesOf(`alter table posts drop column attributes;`)).toEqual(['no-lock-timeout@0']);
    expect(await rulesOf(`create table t (id int);`)).toEqual([]);
  });

  it('splits on statements, not on semicolons inside strings or comments', async () => {
    const statements = await splitMigration('002.sql', `-- first; still a comment\ninsert into t values ('a;b');\nselect 1;`);
    expect(statements.map((statement) => statement.sql)).toEqual([`insert into t values ('a;b')`, 'select 1']);
  });
});
