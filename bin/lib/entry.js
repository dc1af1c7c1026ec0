'use strict';
/**
 * Which code the bin entries run. The npm package ships only compiled JavaScript (dist/),
 * which is what runs there. A checkout runs dist/ too once `npm install` (prepare) or
 * `npm run build` has built it, but only while no TypeScript source is newer than that
 * build; otherwise it runs the sources through tsx, so an edit never runs stale code.
 * GSWEEP_FROM_SOURCE=1 forces the sources.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, 'BUILD');
/** The folders compiled into dist/: rooms.json, the one list (absent in no build of the package that needs it). */
const ROOMS = Object.keys(require(path.join(ROOT, 'rooms.json')).rooms);

function newestSourceMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** 'dist' or 'source': what `load` would run now. */
function mode() {
  if (process.env.GSWEEP_FROM_SOURCE === '1') return 'source';
  const newest = ROOMS.reduce((ms, room) => Math.max(ms, newestSourceMs(path.join(ROOT, room))), 0);
  if (newest === 0) return 'dist'; // the installed package: no sources at all
  if (!fs.existsSync(STAMP)) return 'source';
  return fs.statSync(STAMP).mtimeMs >= newest ? 'dist' : 'source';
}

/** Requires `module` ('cli/main') from dist/ or, in a checkout with newer sources, through tsx. */
function load(module) {
  if (mode() === 'dist') return require(path.join(DIST, `${module}.js`));
  require('tsx/cjs');
  return require(path.join(ROOT, `${module}.ts`));
}

module.exports = { load, mode };

/**
 * `prepare` (npm install in a checkout, npm pack): builds dist/ when it can. Without the
 * compiler or the sources (`npm ci --omit=dev` in deploy/Dockerfile, before the sources are
 * copied) it says so and leaves the bin entries on the sources, which is not an error.
 */
function prepare() {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    tsc = undefined;
  }
  const config = path.join(ROOT, 'tsconfig.build.json');
  if (!tsc || !fs.existsSync(config)) {
    console.log('gsweep: dist/ not built (no TypeScript compiler or no sources here); bin/ runs the sources through tsx');
    return 0;
  }
  fs.rmSync(DIST, { recursive: true, force: true });
  const result = require('node:child_process').spawnSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return 0;
}

// `node bin/lib/entry.js --clean | --stamp | --mode | --prepare`
if (require.main === module) {
  const flag = process.argv[2];
  if (flag === '--prepare') process.exitCode = prepare();
  else if (flag === '--clean') fs.rmSync(DIST, { recursive: true, force: true });
  else if (flag === '--stamp') fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  else if (flag === '--mode') console.log(mode());
  else {
    console.error('usage: node bin/lib/entry.js --clean | --stamp | --mode | --prepare');
    process.exitCode = 2;
  }
}
