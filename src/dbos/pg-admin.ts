/**
 * The few SQL statements rehearse runs itself beside DBOS: the server's `max_connections`
 * (to size worker pools) and worker heartbeats (DBOS has none, so the coordinator could not
 * otherwise tell a dead worker from a slow one). Uses `pg`, the driver DBOS itself uses.
 */
import { UserError, loadModuleSync } from '../runtime/index.js';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', fn: (e: unknown) => void): void;
}

function newClient(url: string): PgClient {
  const pg = loadModuleSync<{ Client: new (o: { connectionString: string }) => PgClient }>('pg');
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  return c;
}

/** Runs `fn` with a connected client, closed afterwards. */
async function withClient<T>(url: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const c = newClient(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The server's `max_connections`. */
export async function serverMaxConnections(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query('SHOW max_connections')).rows[0]!['max_connections']));
}

/** Connections PostgreSQL keeps for superusers and that other clients may hold: left out of the budget. */
export const RESERVED_CONNECTIONS = 5;

/**
 * Checks that `workers` processes with `poolSize` connections each, plus the coordinator's
 * `coordinatorPool`, fit under `maxConnections` (less `RESERVED_CONNECTIONS`).
 * @throws UserError saying how many connections are needed and what to change.
 */
export function checkConnectionBudget(args: { workers: number; poolSize: number; coordinatorPool: number; maxConnections: number }): void {
  const need = args.workers * args.poolSize + args.coordinatorPool;
  const budget = args.maxConnections - RESERVED_CONNECTIONS;
  if (need > budget) {
    throw new UserError(
      `${args.workers} workers × pool size ${args.poolSize} + ${args.coordinatorPool} for the coordinator = ${need} connections, ` +
        `but the server allows ${args.maxConnections} (max_connections) and ${RESERVED_CONNECTIONS} are kept in reserve. ` +
        'Use fewer workers, a smaller --pool-size, or raise max_connections.',
    );
  }
}

const TABLE = 'rehearse_eval_workers';

async function ensureHeartbeatTable(c: PgClient): Promise<void> {
  await c.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (executor_id text PRIMARY KEY, beat_at_ms bigint NOT NULL)`);
}

/** A worker's heartbeat: writes `now` for `executorId` every `intervalMs` until stopped. */
export async function startHeartbeat(url: string, executorId: string, intervalMs: number): Promise<{ stop(): Promise<void> }> {
  const c = newClient(url);
  await c.connect();
  const beat = () =>
    c.query(`INSERT INTO ${TABLE} (executor_id, beat_at_ms) VALUES ($1, $2) ON CONFLICT (executor_id) DO UPDATE SET beat_at_ms = EXCLUDED.beat_at_ms`, [executorId, Date.now()]);
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureHeartbeatTable(c);
      await beat();
      break;
    } catch (e) {
      // concurrent CREATE TABLE IF NOT EXISTS from several workers can collide: try again
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
  let pending: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    // one query at a time on this connection: skip a beat while the last one is still running
    pending ??= beat()
      .catch(() => undefined)
      .finally(() => (pending = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await c.query(`DELETE FROM ${TABLE} WHERE executor_id = $1`, [executorId]).catch(() => undefined);
      await c.end().catch(() => undefined);
    },
  };
}

/** Reads heartbeats over one kept connection (the coordinator's). */
export class HeartbeatReader {
  private constructor(private readonly client: PgClient) {}

  /** Connects and creates the heartbeat table if missing (so workers find it). */
  static async open(url: string): Promise<HeartbeatReader> {
    const c = newClient(url);
    await c.connect();
    await ensureHeartbeatTable(c);
    return new HeartbeatReader(c);
  }

  /** Last heartbeat (epoch ms) of each executor that has one. */
  async read(): Promise<Map<string, number>> {
    const rows = (await this.client.query(`SELECT executor_id, beat_at_ms FROM ${TABLE}`)).rows;
    return new Map(rows.map((r) => [String(r['executor_id']), Number(r['beat_at_ms'])]));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
