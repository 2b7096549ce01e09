import http from 'node:http';

export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  label: string;
}

/** Where the Docker engine listens: DOCKER_HOST (unix:// or tcp://), else the default socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost?.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375), label: dockerHost };
  }
  const socketPath = dockerHost?.startsWith('unix://') ? dockerHost.slice('unix://'.length) : '/var/run/docker.sock';
  return { socketPath, label: socketPath };
}

function dockerGet(endpoint: DockerEndpoint, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return dockerRequest(endpoint, 'GET', path, timeoutMs);
}

function dockerRequest(endpoint: DockerEndpoint, method: string, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ method, socketPath: endpoint.socketPath, host: endpoint.host, port: endpoint.port, path, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

/** The engine's version if it answers, else the reason it does not. */
export async function probeDocker(env: NodeJS.ProcessEnv = process.env): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const endpoint = dockerEndpoint(env);
  try {
    const { status, body } = await dockerGet(endpoint, '/version', 3_000);
    if (status !== 200) return { ok: false, reason: `${endpoint.label} answered HTTP ${status}` };
    return { ok: true, version: (JSON.parse(body) as { Version?: string }).Version ?? 'unknown' };
  } catch (error) {
    return { ok: false, reason: `no Docker engine at ${endpoint.label} (${(error as Error).message})` };
  }
}

export async function dockerImageExists(image: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { status } = await dockerGet(dockerEndpoint(env), `/images/${encodeURIComponent(image)}/json`, 3_000);
  return status === 200;
}

/** Containers carrying `label` (`name=value`): their ids and labels. */
export async function listContainers(label: string, env: NodeJS.ProcessEnv = process.env): Promise<Array<{ id: string; labels: Record<string, string> }>> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const { status, body } = await dockerRequest(dockerEndpoint(env), 'GET', `/containers/json?all=1&filters=${filters}`, 5_000);
  if (status !== 200) return [];
  return (JSON.parse(body) as Array<{ Id: string; Labels?: Record<string, string> }>).map((entry) => ({ id: entry.Id, labels: entry.Labels ?? {} }));
}

/** Removes a container and its volumes, running or not. */
export async function removeContainer(id: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await dockerRequest(dockerEndpoint(env), 'DELETE', `/containers/${encodeURIComponent(id)}?force=true&v=true`, 15_000);
}
