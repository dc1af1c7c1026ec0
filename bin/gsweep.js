#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so a checkout works without a build step.
require('tsx/cjs');
require('../client/cli.ts')
  .main()
  .then((code) => {
    process.exitCode = code;
  });
