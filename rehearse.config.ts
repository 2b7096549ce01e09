import { defineConfig } from 'rehearse';

// The school-portal fixture, rehearsed by `rehearse demo` and by
// `rehearse run scenarios/<name>.ts` in this repository.
export default defineConfig({
  db: { provider: 'embedded' },
  app: {
    command: 'node --import tsx fixtures/school-portal/app/server.ts',
    healthPath: '/healthz',
    metricsPath: '/metrics',
    readyTimeoutSeconds: 30,
  },
  data: { model: './fixtures/school-portal/model.ts', scale: 0.02, seed: 42 },
  scenarios: { dir: 'scenarios' },
});
