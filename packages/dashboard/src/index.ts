export type * from './feed.js';
export { FEED_EVENTS } from './feed.js';
export type { DashboardSource } from './dashboard-source.js';
export { FeedCursor, feedSample, feedState } from './feed-builder.js';
export { dashboardPageReply } from './page-reply.js';
export { dashboardRoutes, type DashboardRoutesOptions } from './routes.js';
