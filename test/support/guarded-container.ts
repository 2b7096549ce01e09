// Starts a Testcontainers Postgres as a rehearse command would, prints the
// container's full id as one JSON line, then waits to be killed.
import { createProvider } from '../../src/db/create-provider.ts';
import { TEST_POSTGRES_IMAGE } from './docker.ts';

const database = await createProvider({ provider: 'testcontainers', settings: {}, image: TEST_POSTGRES_IMAGE }).start();
process.stdout.write(`${JSON.stringify({ container: database.details.container })}\n`);
setInterval(() => undefined, 1_000);
