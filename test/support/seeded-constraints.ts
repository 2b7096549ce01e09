import type pg from 'pg';

/** Tables of the user's schemas (partitions are checked through their parent). */
const USER_TABLES = `
  select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and not c.relispartition and n.nspname !~ '^pg_' and n.nspname not in ('information_schema', 'rehearse')`;

export interface Violation {
  table: string;
  constraint: string;
  rows: number;
}

/**
 * Every constraint of every user table checked row by row, independently of
 * how the seeder read them: table CHECKs, the CHECKs of the domains columns
 * are built on, primary keys, unique constraints and unique indexes (partial
 * and on expressions), foreign keys and NOT NULL. Returns what is violated
 * (empty when the data is valid) and what was checked.
 */
export async function checkEveryConstraint(client: pg.Client): Promise<{ violations: Violation[]; checked: number }> {
  const queries = [...(await checkQueries(client)), ...(await domainQueries(client)), ...(await uniqueQueries(client)), ...(await foreignKeyQueries(client)), ...(await notNullQueries(client))];
  const violations: Violation[] = [];
  for (const { table, constraint, sql } of queries) {
    const rows = Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
    if (rows > 0) violations.push({ table, constraint, rows });
  }
  return { violations, checked: queries.length };
}

/** Constraints not validated and indexes not valid (after the seeder rebuilt them). */
export async function invalidConstraintsAndIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`
    select conname as name from pg_constraint where not convalidated and conrelid in (${USER_TABLES})
    union all
    select indexrelid::regclass::text from pg_index where not indisvalid and indrelid in (${USER_TABLES})`);
  return rows.map((r) => r.name);
}

interface Check {
  table: string;
  constraint: string;
  sql: string;
}

async function checkQueries(client: pg.Client): Promise<Check[]> {
  const { rows } = await client.query<{ t: string; name: string; expr: string }>(`
    select conrelid::regclass::text as t, conname as name, pg_get_expr(conbin, conrelid) as expr
    from pg_constraint where contype = 'c' and conrelid in (${USER_TABLES})`);
  return rows.map((r) => ({ table: r.t, constraint: r.name, sql: `select count(*) as n from ${r.t} where not (${r.expr})` }));
}

async function domainQueries(client: pg.Client): Promise<Check[]> {
  const { rows } = await client.query<{ t: string; column: string; name: string; def: string }>(`
    with recursive chain(relid, attname, typid) as (
      select a.attrelid, a.attname, a.atttypid from pg_attribute a join pg_type t on t.oid = a.atttypid
      where a.attrelid in (${USER_TABLES}) and a.attnum > 0 and not a.attisdropped and t.typtype = 'd'
      union all
      select c.relid, c.attname, t.typbasetype from chain c join pg_type t on t.oid = c.typid where t.typtype = 'd' and t.typbasetype <> 0
    )
    select c.relid::regclass::text as t, c.attname as column, k.conname as name, pg_get_constraintdef(k.oid) as def
    from chain c join pg_constraint k on k.contypid = c.typid and k.contype = 'c'`);
  return rows.map((r) => {
    const expr = r.def.replace(/^CHECK\s*/, '').replace(/\bVALUE\b/g, `"${r.column}"`);
    return { table: r.t, constraint: `${r.name} on ${r.column}`, sql: `select count(*) as n from ${r.t} where not ${expr}` };
  });
}

async function uniqueQueries(client: pg.Client): Promise<Check[]> {
  const { rows } = await client.query<{ t: string; name: string; keys: string[]; pred: string | null; nulls_equal: boolean }>(`
    select x.indrelid::regclass::text as t, x.indexrelid::regclass::text as name,
           array(select pg_get_indexdef(x.indexrelid, k, true) from generate_series(1, x.indnkeyatts) k) as keys,
           pg_get_expr(x.indpred, x.indrelid) as pred, x.indnullsnotdistinct as nulls_equal
    from pg_index x where x.indisunique and x.indrelid in (${USER_TABLES})`);
  return rows.map((r) => {
    const present = r.nulls_equal ? 'true' : r.keys.map((k) => `(${k}) is not null`).join(' and ');
    const where = [present, r.pred ? `(${r.pred})` : 'true'].join(' and ');
    return { table: r.t, constraint: r.name, sql: `select count(*) as n from (select 1 from ${r.t} where ${where} group by ${r.keys.map((k) => `(${k})`).join(', ')} having count(*) > 1) d` };
  });
}

async function foreignKeyQueries(client: pg.Client): Promise<Check[]> {
  const { rows } = await client.query<{ t: string; name: string; columns: string[]; ref: string; ref_columns: string[] }>(`
    select k.conrelid::regclass::text as t, k.conname as name, k.confrelid::regclass::text as ref,
           array(select quote_ident(a.attname) from unnest(k.conkey) with ordinality x(n, o) join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.n order by x.o) as columns,
           array(select quote_ident(a.attname) from unnest(k.confkey) with ordinality x(n, o) join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.n order by x.o) as ref_columns
    from pg_constraint k where k.contype = 'f' and k.conparentid = 0 and k.conrelid in (${USER_TABLES})`);
  return rows.map((r) => {
    const present = r.columns.map((c) => `c.${c} is not null`).join(' and ');
    const join = r.columns.map((c, i) => `p.${r.ref_columns[i]} = c.${c}`).join(' and ');
    return { table: r.t, constraint: r.name, sql: `select count(*) as n from ${r.t} c where ${present} and not exists (select 1 from ${r.ref} p where ${join})` };
  });
}

async function notNullQueries(client: pg.Client): Promise<Check[]> {
  const { rows } = await client.query<{ t: string; column: string }>(`
    select a.attrelid::regclass::text as t, quote_ident(a.attname) as column from pg_attribute a
    where a.attrelid in (${USER_TABLES}) and a.attnum > 0 and not a.attisdropped and a.attnotnull`);
  return rows.map((r) => ({ table: r.t, constraint: `not null ${r.column}`, sql: `select count(*) as n from ${r.t} where ${r.column} is null` }));
}
