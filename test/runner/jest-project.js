#!/usr/bin/env node
// `npm run test:<project> -- [jest args] [paths]`: runs one jest project. --selectProjects is variadic and
// would swallow paths given after it, so it goes last. Adds --experimental-vm-modules (the Kubernetes
// client is ESM-only and is imported dynamically). `integration` means every test bed file (the parallel
// project, the fault tests and the real-node test), in band: one file at a time.
const { spawnSync } = require('node:child_process');
const [project, ...args] = process.argv.slice(2);
const projects = project === 'integration' ? ['integration', 'integration-faults', 'integration-realnodes', 'integration-isolation'] : [project];
const extra = projects.some((p) => p.startsWith('integration') && p !== 'integration-nobed') ? ['--runInBand'] : [];
const result = spawnSync(process.execPath, ['--experimental-vm-modules', require.resolve('jest/bin/jest'), ...extra, ...args, '--selectProjects', ...projects], { stdio: 'inherit' });
process.exit(result.status ?? 1);
