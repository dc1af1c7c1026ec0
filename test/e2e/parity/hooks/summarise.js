// A postprocess hook for the tests (run as `node summarise.js <flag-dir>`): writes
// extra/summary.json from the documented environment; fails (exit 3) for the run whose
// context label has a file `fail-<label>` in <flag-dir>.
const fs = require('node:fs');
const path = require('node:path');
const env = process.env;
const context = JSON.parse(env.GSWEEP_CONTEXT);
const overrides = JSON.parse(env.GSWEEP_OVERRIDES);
const outputs = JSON.parse(env.GSWEEP_OUTPUTS);
if (fs.existsSync(path.join(process.argv[2], `fail-${context.label}`))) {
  console.error(`boom: refusing label ${context.label}`);
  process.exit(3);
}
fs.writeFileSync(
  path.join(env.GSWEEP_EXTRA_DIR, 'summary.json'),
  JSON.stringify([
    {
      run: Number(env.GSWEEP_RUN_ID),
      label: context.label,
      sma: overrides['Sat.SMA'],
      in_run_dir: process.cwd() === env.GSWEEP_RUN_DIR,
      tables: Object.keys(outputs).sort().join(','),
      sweep: env.GSWEEP_SWEEP_ID,
    },
  ]),
);
fs.writeFileSync(path.join(env.GSWEEP_EXTRA_DIR, 'points.csv'), 'time,value\n2026-03-20T06:00:00Z,1\n2026-03-20T06:01:00.5Z,2\n');
