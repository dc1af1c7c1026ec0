#!/usr/bin/env node
// The gsweep CLI: compiled JavaScript, or the TypeScript sources in a checkout (bin/lib/entry.js).
require('./lib/entry')
  .load('cli/main')
  .main()
  .then((code) => {
    process.exitCode = code;
  });
