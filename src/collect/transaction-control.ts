/**
 * Transaction control and session settings are not queries: an app that
 * wraps an unchanged read in BEGIN … COMMIT issues the same reads, so they
 * must not count as queries per request, carry rows or buffers, or be named
 * as the cause of a slowdown. pg_stat_statements records them as utility
 * statements with their text as sent (any case, with options).
 */
const CONTROL = /^(begin|start\s+transaction|commit|end|abort|rollback|savepoint|release|set|reset|discard|prepare\s+transaction)\b/i;
const OPENS = /^(begin|start\s+transaction)\b/i;

/** Leading whitespace and SQL comments, which drivers and ORMs put in front of a statement. */
function statementStart(query: string): string {
  let text = query.trimStart();
  for (;;) {
    if (text.startsWith('--')) text = text.slice(text.indexOf('\n') === -1 ? text.length : text.indexOf('\n') + 1).trimStart();
    else if (text.startsWith('/*')) text = text.slice(text.indexOf('*/') === -1 ? text.length : text.indexOf('*/') + 2).trimStart();
    else return text;
  }
}

/**
 * True for BEGIN, START TRANSACTION, COMMIT, END, ABORT, ROLLBACK (TO
 * SAVEPOINT), SAVEPOINT, RELEASE, SET, RESET, DISCARD and PREPARE TRANSACTION.
 *
 * @example
 * isTransactionControl('BEGIN ISOLATION LEVEL REPEATABLE READ'); // true
 * isTransactionControl('select * from settings'); // false
 */
export function isTransactionControl(query: string): boolean {
  return CONTROL.test(statementStart(query));
}

/** True for the statements that open a transaction (BEGIN, START TRANSACTION): one per transaction. */
export function opensTransaction(query: string): boolean {
  return OPENS.test(statementStart(query));
}
