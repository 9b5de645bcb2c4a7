#!/usr/bin/env node
// `npm run test:<project> -- [jest args] [paths]`: runs one jest project. --selectProjects is variadic and
// would swallow paths given after it, so it goes last. Adds --experimental-vm-modules (the Kubernetes
// client is ESM-only and is imported dynamically).
const { spawnSync } = require('node:child_process');
const [project, ...args] = process.argv.slice(2);
const extra = project === 'integration' ? ['--runInBand'] : [];
const result = spawnSync(process.execPath, ['--experimental-vm-modules', require.resolve('jest/bin/jest'), ...extra, ...args, '--selectProjects', project], { stdio: 'inherit' });
process.exit(result.status ?? 1);
