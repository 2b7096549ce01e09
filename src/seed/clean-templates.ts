import type { Queryable } from '../db/queryable.ts';
import { dropDatabase, dropTemplate, listRehearseDatabases } from '../db/template.ts';

/** `rehearse db clean`: drops every seeded template and any leftover half-built database. */
export async function cleanTemplates(admin: Queryable): Promise<string[]> {
  const { templates, builds } = await listRehearseDatabases(admin);
  for (const name of templates) await dropTemplate(admin, name);
  for (const name of builds) await dropDatabase(admin, name);
  return [...templates, ...builds];
}
