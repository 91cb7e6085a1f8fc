/**
 * Launching DBOS for rehearse: which PostgreSQL to use (a given URL, `DATABASE_URL`, or a
 * throwaway embedded server) and the DBOS configuration around it.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';

/** Options of `launchDBOS`. */
export interface LaunchOptions {
  /** DBOS application name (scopes workflows and queues). Default `'rehearse'`. */
  name?: string;
  /**
   * PostgreSQL URL of the DBOS system database. Default: `DATABASE_URL` when set, else an
   * embedded server started for this process (and stopped by `shutdown`).
   */
  systemDatabaseUrl?: string;
  /** Executor id: a process restarted with the same id recovers that executor's workflows. Default: DBOS's (`'local'`). */
  executorID?: string;
  /** Application version recorded on workflows; only matching versions are recovered. Default: DBOS's hash of the workflows' source. */
  applicationVersion?: string;
  /** Connections in this process's pool. Default: DBOS's (10). */
  systemDatabasePoolSize?: number;
  /** Queues this process dequeues from. Default: all. */
  listenQueues?: string[];
  /** DBOS log level. Default `'warn'`. */
  logLevel?: string;
  /** Options of the embedded server, when one is started. */
  embedded?: EmbeddedPostgresOptions;
  /** Environment to read `DATABASE_URL` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A launched DBOS. */
export interface LaunchedDBOS {
  /** The system database URL in use. */
  readonly systemDatabaseUrl: string;
  /** The embedded server, when one was started. */
  readonly embedded: EmbeddedPostgres | undefined;
  /** Shuts DBOS down (waiting for nothing) and stops the embedded server. Idempotent. */
  shutdown(): Promise<void>;
}

/** The URL to use: the option, else `DATABASE_URL`, else `undefined` (start an embedded server). */
export function resolveSystemDatabaseUrl(url: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (url !== undefined && url !== '') return url;
  const fromEnv = env['DATABASE_URL'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

/**
 * Configures and launches DBOS. Register workflows (construct `DBOSAgent`s) before calling it.
 * Launching recovers the pending workflows of this executor id.
 * @throws what `DBOS.launch` throws (e.g. an unreachable database), after stopping an embedded server it started.
 */
export async function launchDBOS(options: LaunchOptions = {}): Promise<LaunchedDBOS> {
  let url = resolveSystemDatabaseUrl(options.systemDatabaseUrl, options.env);
  let embedded: EmbeddedPostgres | undefined;
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(options.embedded);
    url = embedded.url;
  }
  const config: Parameters<typeof DBOS.setConfig>[0] = { name: options.name ?? 'rehearse', systemDatabaseUrl: url, logLevel: options.logLevel ?? 'warn' };
  if (options.executorID !== undefined) config.executorID = options.executorID;
  if (options.applicationVersion !== undefined) config.applicationVersion = options.applicationVersion;
  if (options.systemDatabasePoolSize !== undefined) config.systemDatabasePoolSize = options.systemDatabasePoolSize;
  if (options.listenQueues !== undefined) config.listenQueues = options.listenQueues;
  try {
    DBOS.setConfig(config);
    await DBOS.launch();
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  let done: Promise<void> | undefined;
  const systemDatabaseUrl = url;
  return {
    systemDatabaseUrl,
    embedded,
    shutdown: () =>
      (done ??= (async () => {
        try {
          await DBOS.shutdown();
        } finally {
          await embedded?.stop();
        }
      })()),
  };
}
