import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { InfrastructureError } from '../errors.ts';
import { InterruptedError } from '../system/abort.ts';
import { listContainers, removeContainer } from '../system/docker-engine.ts';
import { guardContainer } from '../system/orphan-guard.ts';
import { isRunning, ownerToken } from '../system/process-identity.ts';
import { connectionUrl } from './connection-url.ts';
import { installObservability } from './observability.ts';
import type { ConnectionInfo, DbProvider, RunningDatabase, StartOptions } from './provider.ts';
import { settingsToArgs } from './rehearsal-settings.ts';

/** An official image; override with `db.image` or REHEARSE_DB_IMAGE. */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:17';

const OWNER_LABEL = 'dev.rehearse.owner';
/** `<host> <pid>:<start>` of the rehearse process that started the container (an engine may serve several machines). */
const OWNER_TOKEN_LABEL = 'dev.rehearse.owner-process';

/**
 * Containers whose rehearse process is gone (SIGKILLed before it or its
 * guard could remove them): removed, and their ids returned. Only this
 * machine's processes can be judged, and only containers rehearse labelled.
 */
async function removeOrphanContainers(): Promise<string[]> {
  const containers = await listContainers(`${OWNER_LABEL}=rehearse`).catch(() => []);
  const orphans = containers.filter((container) => {
    const [host, token = ''] = (container.labels[OWNER_TOKEN_LABEL] ?? '').split(' ');
    const [pid, startTime] = token.split(':');
    return host === os.hostname() && Number(pid) > 0 && !isRunning({ pid: Number(pid), startTime: startTime && startTime !== '?' ? startTime : null });
  });
  for (const container of orphans) await removeContainer(container.id).catch(() => undefined);
  return orphans.map((container) => container.id);
}

export interface TestcontainersOptions {
  image: string;
  /** Postgres settings, already merged with the rehearsal defaults. */
  settings: Record<string, string>;
}

export class TestcontainersProvider implements DbProvider {
  readonly name = 'testcontainers' as const;

  constructor(private readonly options: TestcontainersOptions) {}

  async start({ signal, onProgress }: StartOptions = {}): Promise<RunningDatabase> {
    for (const id of await removeOrphanContainers()) onProgress?.(`removed container ${id.slice(0, 12)}, left by a rehearse command that was killed`);
    // Imported lazily: loading testcontainers probes for a Docker engine.
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const password = randomBytes(16).toString('hex');
    onProgress?.(`starting a ${this.options.image} container`);
    const container = new PostgreSqlContainer(this.options.image)
      .withUsername('postgres')
      .withPassword(password)
      .withDatabase('postgres')
      .withLabels({ [OWNER_LABEL]: 'rehearse', [OWNER_TOKEN_LABEL]: `${os.hostname()} ${ownerToken()}` })
      .withCommand(['postgres', ...settingsToArgs(this.options.settings)]);
    let started: Awaited<ReturnType<typeof container.start>>;
    try {
      started = await container.start();
    } catch (error) {
      throw new InfrastructureError(
        `could not start the Postgres container (image ${this.options.image}): ${(error as Error).message}. ` +
          'Is a Docker engine running (`docker info`) and is the image available locally or pullable?',
      );
    }
    const guarded = guardContainer(started.getId());
    const stopContainer = () => started.stop({ remove: true, removeVolumes: true }).then(() => guarded.release());
    if (signal?.aborted) {
      await stopContainer();
      throw new InterruptedError(String(signal.reason ?? 'interrupted'));
    }
    const connection: ConnectionInfo = { host: started.getHost(), port: started.getPort(), user: 'postgres', password, database: 'postgres' };
    try {
      await installObservability(connection);
    } catch (error) {
      await stopContainer();
      throw new InfrastructureError(`the Postgres container started but rehearse could not prepare it: ${(error as Error).message}`);
    }
    const admin = new pg.Pool({ ...connection, max: 4 });
    admin.on('error', () => undefined);
    let stopping: Promise<void> | undefined;
    return {
      provider: 'testcontainers',
      connection,
      url: connectionUrl(connection),
      admin,
      owned: true,
      details: { container: started.getId().slice(0, 12), image: this.options.image },
      stop() {
        stopping ??= admin.end().catch(() => undefined).then(stopContainer);
        return stopping;
      },
    };
  }
}
