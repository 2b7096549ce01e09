import type { SeedEvent } from '../seed/seed-events.ts';

interface TableProgress {
  rows: number;
  totalRows: number;
  started: number;
}

const number = new Intl.NumberFormat('en-GB');

/**
 * Live progress of `rehearse seed` on stderr: on a terminal one status line
 * (tables being loaded with rows, rows/s and ETA) redrawn a few times a
 * second, and one permanent line per finished table or phase.
 */
export class SeedProgress {
  private readonly tables = new Map<string, TableProgress>();
  private lastDraw = 0;
  private statusShown = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  readonly onEvent = (event: SeedEvent): void => {
    switch (event.kind) {
      case 'plan':
        this.print(`seeding ${event.tables.length} tables, ${number.format(event.tables.reduce((s, t) => s + t.rows, 0))} rows`);
        for (const warning of event.warnings) this.print(`warning: ${warning}`);
        return;
      case 'notice':
        this.print(event.message);
        return;
      case 'template-reused':
        this.print(`reusing template ${event.template} (same model, schema, scale and seed): no rows to generate`);
        return;
      case 'template-building':
        this.print(`building template ${event.template}`);
        return;
      case 'copy-progress':
        this.progress(event.table, event.rows, event.totalRows);
        return;
      case 'copy-done':
        this.tables.delete(event.table);
        this.print(`  ${event.table.padEnd(18)} ${number.format(event.rows).padStart(11)} rows  ${event.seconds.toFixed(1).padStart(6)} s  ${rate(event.rows, event.seconds)}`);
        return;
      case 'phase':
        this.print(PHASES[event.phase]);
        return;
      case 'ddl-done':
        this.status(`  ${event.done}/${event.total} ${event.name}`);
        return;
    }
  };

  private progress(table: string, rows: number, totalRows: number) {
    const now = performance.now();
    const state = this.tables.get(table) ?? { rows: 0, totalRows, started: now };
    state.rows = rows;
    this.tables.set(table, state);
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const parts = [...this.tables.entries()].map(([name, t]) => {
      const counts = `${name} ${number.format(t.rows)}/${number.format(t.totalRows)}`;
      const seconds = (now - t.started) / 1000;
      if (seconds < 0.2) return counts;
      const perSecond = t.rows / seconds;
      const eta = (t.totalRows - t.rows) / perSecond;
      return `${counts} ${number.format(Math.round(perSecond))} rows/s ETA ${eta < 10 ? eta.toFixed(1) : eta.toFixed(0)}s`;
    });
    this.status(`  ${parts.join(' | ')}`);
  }

  private status(line: string) {
    if (!this.out.isTTY) return;
    const width = this.out.columns || 120;
    this.out.write(`\r\x1b[K${line.slice(0, width - 1)}`);
    this.statusShown = true;
  }

  private print(line: string) {
    if (this.statusShown) this.out.write('\r\x1b[K');
    this.statusShown = false;
    this.out.write(`${line}\n`);
  }

  /** Clears the status line. */
  finish(): void {
    if (this.statusShown) this.out.write('\r\x1b[K');
    this.statusShown = false;
  }
}

const PHASES: Record<Extract<SeedEvent, { kind: 'phase' }>['phase'], string> = {
  'drop-constraints': 'dropping keys, indexes and foreign keys for the load',
  'keys-and-indexes': 'building primary keys, unique constraints and indexes',
  'foreign-keys': 'adding and validating foreign keys',
  analyze: 'analyzing',
  clone: 'copying the template to the target database',
};

function rate(rows: number, seconds: number): string {
  return seconds > 0 ? `${number.format(Math.round(rows / seconds))} rows/s` : '';
}
