/**
 * A throwaway PostgreSQL cluster from Debian's packages for the team set-up's Temporal server: initdb under
 * the data folder, listening on 127.0.0.1 at its own port only (no Unix socket), password authentication
 * (scram) for the one superuser `temporal`. PostgreSQL refuses to run as root, so as root every command runs
 * as Debian's `postgres` user, which then owns the cluster's folder.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, readPidFile, run, type Log } from '../process/subprocess';

export const DB_USER = 'temporal';

export interface PostgresLayout {
  /** Owned by the database user (0700): the cluster's data and its log. */
  dir: string;
  dataDir: string;
  logFile: string;
  /** The superuser's password (0600, owned by whoever runs hardenlab): read by the server and the SQL tool. */
  passwordFile: string;
  port: number;
}

export function postgresLayout(parent: string, port: number): PostgresLayout {
  const dir = path.join(parent, 'postgres');
  return {
    dir,
    dataDir: path.join(dir, 'data'),
    logFile: path.join(dir, 'postgres.log'),
    passwordFile: path.join(parent, 'db-password'),
    port,
  };
}

/** The newest Debian PostgreSQL's program folder (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(root = '/usr/lib/postgresql'): string {
  const majors = (fs.existsSync(root) ? fs.readdirSync(root) : [])
    .filter((major) => fs.existsSync(path.join(root, major, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (majors.length === 0)
    throw new Error(`no PostgreSQL under ${root}: install Debian's postgresql package (scripts/setup.sh --test does)`);
  return path.join(root, majors[0]!, 'bin');
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program as the database user (Debian's `postgres` when we are root). */
function asDbUser(program: string, args: string[], timeoutMs = 120_000) {
  const file = path.join(postgresBinDir(), program);
  return asRoot() ? run('runuser', ['-u', 'postgres', '--', file, ...args], { timeoutMs }) : run(file, args, { timeoutMs });
}

async function dbUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (!asRoot()) return undefined;
  const id = async (flag: string) => Number.parseInt((await run('id', [flag, 'postgres'])).stdout.trim(), 10);
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error(
      "Debian's postgresql package creates the user 'postgres', which is missing: install postgresql (scripts/setup.sh --test)",
    );
  }
}

export function readPassword(layout: PostgresLayout): string {
  return fs.readFileSync(layout.passwordFile, 'utf8').trim();
}

/** Creates the cluster once (kept across `down`/`up`, so workflow histories survive restarts). */
export async function ensureCluster(layout: PostgresLayout, log: Log): Promise<void> {
  if (fs.existsSync(path.join(layout.dataDir, 'PG_VERSION'))) return;
  const ids = await dbUserIds();
  fs.mkdirSync(path.dirname(layout.dir), { recursive: true, mode: 0o700 });
  fs.mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(layout.passwordFile)) fs.writeFileSync(layout.passwordFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  // initdb reads the password from a file the database user can read; it lives inside the private folder briefly.
  const pwfile = path.join(layout.dir, '.initdb-password');
  fs.writeFileSync(pwfile, readPassword(layout), { mode: 0o600 });
  if (ids) {
    fs.chownSync(layout.dir, ids.uid, ids.gid);
    fs.chownSync(pwfile, ids.uid, ids.gid);
    // The parent is ours and private; the database user only needs to pass through it.
    fs.chmodSync(path.dirname(layout.dir), 0o711);
    await run('runuser', ['-u', 'postgres', '--', 'test', '-w', layout.dir]).catch(() => {
      throw new Error(
        `user 'postgres' cannot reach ${layout.dir}: a folder above it is closed to other users; set HARDENLAB_HOME to a folder others ` +
          `may pass through`,
      );
    });
  }
  log(`creating a PostgreSQL cluster in ${layout.dataDir} (${path.basename(path.dirname(postgresBinDir()))})`);
  try {
    await asDbUser('initdb', [
      '-D',
      layout.dataDir,
      '-U',
      DB_USER,
      '--pwfile',
      pwfile,
      '--auth',
      'scram-sha-256',
      '-E',
      'UTF8',
      '--locale',
      'C',
    ]);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  // Loopback only, own port, no socket in the shared /var/run/postgresql.
  fs.appendFileSync(
    path.join(layout.dataDir, 'postgresql.conf'),
    `\n# hardenlab team set-up\nlisten_addresses = '127.0.0.1'\nport = ${layout.port}\nunix_socket_directories = ''\n`,
  );
}

export function postgresPid(layout: PostgresLayout): number | undefined {
  const pid = readPidFile(path.join(layout.dataDir, 'postmaster.pid'));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export async function startPostgres(layout: PostgresLayout, log: Log): Promise<void> {
  if (postgresPid(layout) !== undefined) return;
  log(`starting PostgreSQL on 127.0.0.1:${layout.port}`);
  await asDbUser('pg_ctl', ['-D', layout.dataDir, '-l', layout.logFile, '-w', '-t', '60', 'start']).catch((error: Error) => {
    const tail = fs.existsSync(layout.logFile) ? fs.readFileSync(layout.logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`${error.message}\n${layout.logFile}:\n${tail}`);
  });
}

export async function stopPostgres(layout: PostgresLayout): Promise<boolean> {
  if (postgresPid(layout) === undefined) return false;
  await asDbUser('pg_ctl', ['-D', layout.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  return true;
}
