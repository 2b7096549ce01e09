import type { QueryResult, QueryResultRow } from 'pg';

/** The slice of pg that rehearse's database code needs: a Pool or a Client. */
export interface Queryable {
  query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<Row>>;
}
