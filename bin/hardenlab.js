#!/usr/bin/env node
// The `hardenlab` command: runs the compiled CLI (npm run build puts it in dist/).
require('../dist/src/cli/main.js')
  .main(process.argv)
  .catch((err) => {
    console.error(`hardenlab: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  });
