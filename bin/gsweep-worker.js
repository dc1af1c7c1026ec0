#!/usr/bin/env node
// Standalone worker process (Kubernetes pods, Slurm jobs, spare laptops).
const worker = require('./lib/entry').load('workers/main');
worker.main().catch(worker.reportUnexpected);
