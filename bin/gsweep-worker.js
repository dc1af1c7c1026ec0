#!/usr/bin/env node
// Standalone worker process (Kubernetes pods, Slurm jobs, spare laptops).
require('tsx/cjs');
require('../workers/main.ts')
  .main()
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
