import { describe, expect, it } from 'vitest';
import * as dbos from './index.js';

describe('rehearse/dbos public names', () => {
  it('exports the durable agent, PostgreSQL helpers and distributed evals', () => {
    for (const name of [
      'DBOSAgent',
      'DBOSModel',
      'startEmbeddedPostgres',
      'freePort',
      'launchDBOS',
      'resolveSystemDatabaseUrl',
      'serializeError',
      'reviveError',
      'evaluateOnWorkers',
      'planWorkflows',
      'runWorker',
      'registerEvalCaseWorkflow',
      'runEvalCase',
      'checkConnectionBudget',
      'serverMaxConnections',
      'EVAL_QUEUE',
      'EVAL_CASE_WORKFLOW',
      'EVAL_APP_VERSION',
      'EVAL_APP_NAME',
    ]) {
      expect(dbos, name).toHaveProperty(name);
    }
  });
});
