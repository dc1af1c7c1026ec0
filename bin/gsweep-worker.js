#!/usr/bin/env node
// Standalone worker process (Kubernetes pods, Slurm jobs, spare laptops).
require('./lib/entry')
  .load('workers/main')
  .main()
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
