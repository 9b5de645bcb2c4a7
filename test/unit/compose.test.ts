/**
 * docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so their structure is checked:
 * the team set-up's services, durable PostgreSQL storage, schema set-up before the server, read-only
 * credentials mounted as files, workers pointed at the Temporal service, and no secret written inline.
 * Where `docker compose` works, its own `config` must accept the file too.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { experimentSchema } from '../../src/config/experiment';
import { TASK_QUEUE, workerConfigSchema } from '../../src/config/workerConfig';
import { cacheDir, repoRoot } from '../../src/config/paths';
import { nodeMapSchema } from '../../src/config/nodeMap';
import { itWhen } from '../support/skip';
import { readTeamVersions, teamVersionsFile } from '../../src/team/teamVersions';

type Mount = string | { type: string; source: string; target: string; read_only?: boolean };
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string | number> | string[];
  volumes?: Mount[];
  depends_on?: Record<string, { condition: string }>;
  command?: string | string[];
  deploy?: { replicas?: number };
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as Compose;
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const services = compose.services;

/** Compose's `${VAR}` / `${VAR:?message}` interpolation, from KEY=VALUE lines; an unset variable fails. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(:\?[^}]*)?\}/g, (_, name: string) => {
    if (vars[name] === undefined) throw new Error(`${name} is not set in ${teamVersionsFile}`);
    return vars[name];
  });
}
const versionsEnv = Object.fromEntries(
  readFileSync(teamVersionsFile, 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
);

function env(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function longMounts(service: Service) {
  return (service.volumes ?? []).map((m) => {
    if (typeof m !== 'string') return m;
    const [source = '', target = '', mode] = m.split(':');
    return { type: source.startsWith('.') || source.startsWith('/') ? 'bind' : 'volume', source, target, read_only: mode === 'ro' };
  });
}

describe('docker-compose.yml', () => {
  it('has PostgreSQL, the schema set-up, the Temporal server, the Web UI and hardenlab workers', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal-schema', 'temporal', 'temporal-ui', 'hardenlab-worker']),
    );
  });

  it('pins every image to a version from deploy/versions.env, the file the native set-up builds from', () => {
    const versions = readTeamVersions();
    const resolved = Object.fromEntries(
      Object.entries(services)
        .filter(([, service]) => service.image && !service.build)
        .map(([name, service]) => [name, interpolate(service.image!, versionsEnv)]),
    );
    for (const [name, image] of Object.entries(resolved))
      expect({ name, image }).toEqual({ name, image: expect.stringMatching(/^[\w./-]+:\d[\w.-]*$/) });
    expect(resolved).toEqual({
      postgresql: `postgres:${versions.postgres}-bookworm`,
      'temporal-schema': `temporalio/admin-tools:${versions.adminTools}`,
      temporal: `temporalio/server:${versions.temporal}`,
      'temporal-namespace': `temporalio/admin-tools:${versions.adminTools}`,
      'temporal-ui': `temporalio/ui:${versions.ui}`,
    });
  });

  it('keeps PostgreSQL data in a named volume, so multi-day runs survive restarts', () => {
    const data = longMounts(services.postgresql!).find((m) => m.target === '/var/lib/postgresql/data');
    expect(data).toEqual(expect.objectContaining({ type: 'volume' }));
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.source);
  });

  it('sets up both schemas with temporal-sql-tool before the server starts', () => {
    const script = ([] as string[]).concat(services['temporal-schema']!.command ?? []).join('\n');
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema'])
      expect(script).toContain(`temporal-sql-tool --db "$$name" ${step}`);
    expect(script).toMatch(/temporal:temporal\b/);
    expect(script).toMatch(/temporal_visibility:visibility\b/);
    expect(script).toContain('/etc/temporal/schema/postgresql/v12');
    expect(env(services['temporal-schema']!)).toEqual(expect.objectContaining({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' }));
    expect(services['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({
      postgresql: { condition: 'service_healthy' },
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    const server = env(services.temporal!);
    expect(server).toEqual(
      expect.objectContaining({
        DB: 'postgres12',
        POSTGRES_SEEDS: 'postgresql',
        DBNAME: 'temporal',
        VISIBILITY_DBNAME: 'temporal_visibility',
      }),
    );
  });

  it('points the Web UI at the Temporal service, with CORS origins and the codec endpoint documented', () => {
    const ui = env(services['temporal-ui']!);
    expect(ui.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(ui.TEMPORAL_CORS_ORIGINS).toMatch(/^https?:\/\//);
    expect(composeText).toMatch(/#\s*TEMPORAL_CODEC_ENDPOINT:/);
    expect(services['temporal-ui']!.depends_on).toEqual({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
  });

  describe('hardenlab-worker', () => {
    const worker = services['hardenlab-worker']!;
    const workerEnv = env(worker);
    const mounts = longMounts(worker);

    it('is built from the repository Dockerfile and serves the documented task queue on the Temporal service', () => {
      expect(worker.build).toEqual(expect.objectContaining({ context: '.' }));
      expect(existsSync(join(repoRoot, worker.build!.dockerfile ?? 'Dockerfile'))).toBe(true);
      expect(workerEnv.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(workerEnv.HARDENLAB_TASK_QUEUE).toBe(TASK_QUEUE);
      expect(workerEnv.TEMPORAL_NAMESPACE).toBe('default');
      expect(worker.depends_on).toEqual({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
      expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(1);
    });

    it('mounts the worker config, kubeconfig, node map and SSH key read-only as files', () => {
      const byTarget = new Map(mounts.map((m) => [m.target, m]));
      for (const target of [
        workerEnv.HARDENLAB_CONFIG!,
        '/etc/hardenlab/kubeconfig',
        '/etc/hardenlab/nodes.yaml',
        '/etc/hardenlab/ssh/id_ed25519',
        '/etc/hardenlab/ssh/known_hosts',
      ]) {
        expect({ target, mount: byTarget.get(target) }).toEqual({
          target,
          mount: expect.objectContaining({ type: 'bind', read_only: true }),
        });
      }
      // Every bind mount is read-only; the only writable place is the shared data volume.
      for (const m of mounts.filter((m) => m.type === 'bind'))
        expect({ target: m.target, read_only: m.read_only }).toEqual({ target: m.target, read_only: true });
    });

    it('shares one named data volume as HARDENLAB_HOME between all workers', () => {
      const data = mounts.find((m) => m.target === workerEnv.HARDENLAB_HOME);
      expect(data).toEqual(expect.objectContaining({ type: 'volume' }));
      expect(Object.keys(compose.volumes ?? {})).toContain(data!.source);
    });

    it('ships example config and node map files that validate and only name mounted paths', () => {
      const targets = new Set(mounts.map((m) => m.target));
      const config = workerConfigSchema.parse(parse(readFileSync(join(repoRoot, 'deploy/config.example.yaml'), 'utf8')));
      const experiment = experimentSchema.parse(config.experiment);
      expect(targets).toContain(experiment.cluster.kubeconfigPath);
      expect(targets).toContain(experiment.nodeMapPath);
      const nodes = nodeMapSchema.parse(parse(readFileSync(join(repoRoot, 'deploy/nodes.example.yaml'), 'utf8')));
      for (const node of nodes.nodes) {
        expect(targets).toContain(node.privateKeyPath);
        expect(targets).toContain(node.knownHostsPath);
      }
    });
  });

  it('writes no secret inline: passwords come from .env interpolation, credentials from mounted files', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(env(service))) {
        if (/PASSWORD|PWD|TOKEN|SECRET|_KEY$/i.test(key))
          expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(/^\$\{[A-Z_]+(:\?[^}]*)?\}$/) });
      }
    }
    expect(composeText).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|client-key-data|client-certificate-data|\btoken:\s*\S/);
    const ignored = readFileSync(join(repoRoot, 'deploy/.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['config.yaml', 'kubeconfig', 'nodes.yaml', 'id_ed25519', 'known_hosts']));
  });

  // `docker compose config` where Docker's compose plugin is installed; else compose-check, the same loader
  // (compose-go) built by scripts/setup.sh --test, so CI never skips this.
  const dockerCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
  // The build of these sources (build-compose-check.sh keys the folder by their hash), not whichever build the
  // shared `compose-check` link points at.
  const sources = ['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(repoRoot, 'scripts/tools/compose-check', f)));
  const composeCheckKey = createHash('sha256').update(Buffer.concat(sources)).digest('hex').slice(0, 12);
  const composeCheck = join(cacheDir(), 'bin', `compose-check-${composeCheckKey}`, 'compose-check');
  const [command, args] = dockerCompose
    ? ['docker', ['compose', '-f', 'docker-compose.yml', 'config', '--format', 'json']]
    : [composeCheck, ['docker-compose.yml']];
  const loader = {
    met: dockerCompose || existsSync(composeCheck),
    missing: `neither \`docker compose\` nor ${composeCheck} (scripts/setup.sh --test builds it)`,
    providedBySetup: true,
  };
  const load = (envFiles: string | undefined) =>
    spawnSync(command, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, POSTGRES_PASSWORD: 'placeholder-for-config-check', COMPOSE_ENV_FILES: envFiles },
    });
  itWhen(loader)(
    "the Compose Specification loader accepts the file with the versions file and resolves images and the worker's settings",
    () => {
      const result = load('deploy/versions.env');
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.status).toBe(0);
      const rendered = JSON.parse(result.stdout) as Compose;
      expect(env(rendered.services['hardenlab-worker']!).TEMPORAL_ADDRESS).toBe('temporal:7233');
      const versions = readTeamVersions();
      expect(rendered.services.temporal!.image).toBe(`temporalio/server:${versions.temporal}`);
      expect(rendered.services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${versions.adminTools}`);
      expect(rendered.services['temporal-ui']!.image).toBe(`temporalio/ui:${versions.ui}`);
      expect(rendered.services.postgresql!.image).toBe(`postgres:${versions.postgres}-bookworm`);
    },
  );

  itWhen(loader)('the loader refuses the file without the versions file, saying how to pass it', () => {
    const result = load(undefined);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/COMPOSE_ENV_FILES=deploy\/versions\.env,\.env/);
  });
});

describe('Dockerfile', () => {
  it('builds on a Debian Node 20 image, runs npm ci and the build, and starts the worker as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[\d.]*-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/hardenlab\.js", "worker"\]$/m);
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    // The final stage is the Node image, and it gets the tools the worker runs.
    const stages = dockerfile.split(/^FROM /m);
    expect(stages.at(-1)).toMatch(/^\$\{NODE_IMAGE\}\s*$/m);
    expect(stages.at(-1)).toMatch(/python3/);
    expect(stages.at(-1)).toMatch(/openssh-client/);
  });

  it('copies every folder the TypeScript build includes', () => {
    const build = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const folder of build.include) expect(dockerfile).toMatch(new RegExp(`^COPY ${folder} ${folder}$`, 'm'));
  });

  it('keeps local state, dependencies and keys out of the build context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.git', '.hardenlab', 'node_modules', 'dist', '.env']));
  });
});
