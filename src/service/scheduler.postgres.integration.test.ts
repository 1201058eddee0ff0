/** The scheduler's suite (scheduler.suite.ts) on PostgreSQL, in a schema of its own, embedded and through the dispatch port. */
import { describeScheduler } from './scheduler.suite.js';

describeScheduler('PostgreSQL');
