// Starts a Testcontainers Postgres as a rehearse command would, prints its
// progress and then the container's id as one JSON line, then waits to be killed.
import { createProvider } from '../../src/db/create-provider.ts';
import { TEST_POSTGRES_IMAGE } from './docker.ts';

const progress: string[] = [];
const database = await createProvider({ provider: 'testcontainers', settings: {}, image: TEST_POSTGRES_IMAGE }).start({ onProgress: (line) => progress.push(line) });
process.stdout.write(`${JSON.stringify({ container: database.details.container, progress })}\n`);
setInterval(() => undefined, 1_000);
