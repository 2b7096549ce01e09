// Worker threads do not inherit the parent's module hooks: register tsx here,
// then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./render-thread-worker.ts');
