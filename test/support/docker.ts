import { DEFAULT_POSTGRES_IMAGE } from '../../src/db/testcontainers.ts';
import { dockerImageExists, probeDocker } from '../../src/system/docker-engine.ts';

// Ryuk's image cannot be pulled without a registry, and published ports are
// reached on loopback rather than through the Docker bridge gateway.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

/** The image the Testcontainers tests use: REHEARSE_DB_IMAGE (CI builds one locally), else the default. */
export const TEST_POSTGRES_IMAGE = process.env.REHEARSE_DB_IMAGE ?? DEFAULT_POSTGRES_IMAGE;

/**
 * Why Testcontainers tests cannot run here, or undefined when they can.
 * Callers print the reason as one loud SKIP line: a skipped test must never
 * look like a pass.
 */
export async function testcontainersUnavailable(): Promise<string | undefined> {
  const docker = await probeDocker();
  if (!docker.ok) return docker.reason;
  if (!(await dockerImageExists(TEST_POSTGRES_IMAGE))) {
    return `image ${TEST_POSTGRES_IMAGE} is not present locally and no registry is reachable (run .ci/postgres-image.sh and set REHEARSE_DB_IMAGE)`;
  }
  return undefined;
}
