import pg from 'pg';
import { InfrastructureError, RehearseError } from '../errors.ts';
import { InterruptedError } from '../system/abort.ts';
import { SeedDataError } from './seed-errors.ts';

/** Where in the load an error happened: loading a table, or rebuilding one of its keys, indexes or foreign keys. */
export type LoadStep = { kind: 'prepare' } | { kind: 'copy'; table: string } | { kind: 'rebuild'; table: string; name: string };

/**
 * What a person needs from an error during the load: Postgres' own message
 * with the table, column and constraint it names (a rejected value is a
 * generator's fault: exit 2), a lost connection as an infrastructure failure
 * (exit 3), a cancelled statement after Ctrl-C as an interruption. Anything
 * else is passed on untouched.
 */
export function describeLoadError(error: unknown, step: LoadStep, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return new InterruptedError(String(signal.reason ?? 'interrupted'));
  if (error instanceof RehearseError || error instanceof InterruptedError) return error;
  if (error instanceof pg.DatabaseError) return fromPostgres(error, step);
  if (error instanceof Error && /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE/.test(error.message)) {
    return new InfrastructureError(`${where(step)}: the connection to Postgres was lost (${error.message})`);
  }
  return error;
}

function fromPostgres(error: pg.DatabaseError, step: LoadStep): unknown {
  const code = error.code ?? '';
  const facts = [
    error.column ? `column ${error.column}` : undefined,
    error.constraint ? `constraint ${error.constraint}` : undefined,
    error.detail,
    error.where?.replace(/\s+/g, ' ').slice(0, 300),
  ].filter(Boolean);
  const message = `${where(step)}: Postgres rejected it: ${error.message}${facts.length ? ` (${facts.join('; ')})` : ''}`;
  if (code.startsWith('23') || code.startsWith('22')) {
    const table = error.table ?? ('table' in step ? step.table : undefined);
    const column = error.column ? ` for ${table}.${error.column}` : '';
    return new SeedDataError(`${message}\nThe generated values break a constraint of the schema: add a generator${column} in the model that satisfies it.`, {
      ...(table ? { table } : {}),
      ...(error.column ? { column: error.column } : {}),
      ...(error.constraint ? { constraint: error.constraint } : {}),
      sqlstate: code,
    });
  }
  if (/^(08|53|57P|58|XX)/.test(code)) return new InfrastructureError(message, '', { sqlstate: code });
  return error;
}

function where(step: LoadStep): string {
  switch (step.kind) {
    case 'prepare': return 'preparing the load';
    case 'copy': return `loading ${step.table}`;
    case 'rebuild': return `rebuilding ${step.name} on ${step.table}`;
  }
}
