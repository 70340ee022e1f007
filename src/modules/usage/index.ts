/** Usage: the network feed's exactly-once ingestion and everyone's usage reads. */
import { defineModule } from '../module.js';
import { UsageEngine } from './engine.js';
import { setUpUsageFeed } from './feed/index.js';
import { packUsageRoutes, usageRoutes } from './routes.js';
import { UsageBucket, UsageRecord } from './schemas.js';
import { UsageService } from './service.js';

export const usageModule = defineModule({
  name: 'usage',
  after: ['api-keys'],
  schemas: [UsageRecord, UsageBucket],
  services: async (app) => {
    const { db, database, clock, config } = app.ctx;
    app.services.usage = new UsageService(db, clock);
    // one connection (SQLite) means one writer: concurrent batches then share group-committed transactions
    app.services.usageEngine = new UsageEngine(db, clock, {
      groupCommit: database.pool().max === 1,
      lateWindowMs: config.USAGE_LATE_WINDOW_H * 3_600_000,
      writeLanes: config.USAGE_WRITE_LANES,
    });
    // the NATS JetStream feed, when configured: the same engine, fed from the broker
    await setUpUsageFeed(app);
  },
  routes: [
    { prefix: '/usage', plugin: usageRoutes },
    { prefix: '', plugin: packUsageRoutes },
  ],
});
