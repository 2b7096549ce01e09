import { createRunProject } from './support/run-project.ts';
import { runCli } from './support/cli.ts';
const project = await createRunProject(0.005);
console.log(project.dir);
for (const release of ['baseline', 'login-hot-row', 'pool-too-small', 'baseline']) {
  const r = await runCli(['run', '/work/wt/diagnosis/scenarios/parents-evening-login-spike.ts', '--config', project.config, '--release', release, '--duration', '10s', '--rate-scale', '1'], { cwd: project.dir, timeoutMs: 300_000 });
  console.log(release, r.code, r.stdout.split('\n').slice(0, 2).join(' | '));
}
