/** The scheduler's suite (scheduler.suite.ts) on a SQLite file, embedded and through the dispatch port. */
import { describeScheduler } from './scheduler.suite.js';

describeScheduler('SQLite');
