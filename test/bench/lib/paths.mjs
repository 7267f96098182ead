// Where the built programs are (after `pnpm build`).
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const paths = {
  root,
  cli: `${root}apps/supervisor/dist/cli.js`,
  /** The one-file build (docs/production.md, "One-file install"): what the `mpm-supervise` bin and the systemd unit run. */
  bundle: `${root}apps/supervisor/bundle/mpm-supervise.mjs`,
  demo: `${root}apps/demo-server/dist/main.js`,
  pm2: `${root}node_modules/pm2/bin/pm2`,
  results: `${root}test/bench/results`,
};
