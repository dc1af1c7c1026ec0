/**
 * gsweep on a production-shaped Temporal: temporal-server v1.29.1 on PostgreSQL 15, the
 * frontend behind mTLS, namespaces made by the rig, default server settings (eager activity
 * execution off, the default buffered-events batch). One rig serves every case (it takes
 * ~20 s to start); the cases that damage it (server and PostgreSQL restarts) run last.
 */
import { afterAll, beforeAll } from 'vitest';
import { registerConnectionCases } from './connection.cases';
import { registerMetricsCases } from './metrics.cases';
import { productionRig, stopProductionRig } from './rig';
import { registerSearchAttributeCases } from './search-attributes.cases';
import { registerSweepCases } from './sweeps.cases';

// Outside CI the first run may build temporal-server (minutes); a rig that fails to start
// fails each test that awaits it.
beforeAll(() => productionRig().then(
  () => undefined,
  () => undefined,
), 900_000);

afterAll(async () => {
  await stopProductionRig();
}, 60_000);

registerConnectionCases();
registerSearchAttributeCases();
registerMetricsCases();
registerSweepCases();
