'use strict';
// GmatConsole stand-in (TEST DOUBLE). Command-line contract and console/log output of
// GMAT R2026a's GmatConsole; runs a small documented subset of GMAT script. See ../README.md.
const fs = require('fs');
const path = require('path');

const BIN_DIR = path.resolve(__dirname, '..', 'bin');
const BUILD_DATE = 'Jun 15 2026', BUILD_TIME = '12:00:00';
const PROMPT = 'Enter a script file, q to quit, or an option:  ';
const SEP = '========================================';
const HELP = [
  'Usage: One of the following',
  '   GmatConsole',
  '   GmatConsole ScriptFileName',
  '   GmatConsole <option> <string>',
  '',
  'The first selection runs an interactive session.',
  'The second runs the input script once and then exits.',
  'The third selection executes specific testing scenarios.',
  '',
  'Valid options are:',
  '   --help, -h                    Shows available options',
  '   --version, -v                 Show version and build information',
  '   --batch, -b <filename>        Runs multiple scripts listed in specified file',
  '   --run, -r <filename>          Runs the input script once, then exits',
  '   --logfile, -l <filename>      Specify the log file (ignored in Console interactive mode)',
  '   --startup_file, -s <filename> Specify the startup file (ignored in Console interactive mode)',
  '   --minimize, -m                Opens with GUI minimized (ignored for Console)',
  '   --start-server                Starts GMAT Server on start-up (ignored for Console)',
  '   --save                        Saves current script (interactive mode only)',
  '   --summary                     Writes command summary (interactive mode only)',
  '   --verbose <on/off>            Dump info messages to screen during run (default is on)',
  '   --exit, -x                    Exit after run (default)',
  '',
].join('\n');
const NONFATAL_PATHS = ['TEXTURE_PATH', 'BODY_3D_MODEL_PATH', 'GUI_CONFIG_PATH', 'SPLASH_PATH', 'ICON_PATH',
  'VEHICLE_MODEL_PATH', 'HELP_PATH', 'MEASUREMENT_PATH'];
const SEARCH_PATHS = ['GMAT_FUNCTION_PATH', 'MATLAB_FUNCTION_PATH', 'PYTHON_MODULE_PATH', 'GMAT_INCLUDE_PATH'];
const OPTION_KEYS = ['RUN_MODE', 'MATLAB_MODE', 'DEBUG_FILE_PATH', 'WRITE_GMAT_KEYWORD', 'ECHO_COMMANDS', 'DEBUG_MATLAB',
  'DEBUG_PARAMETERS', 'PLOT_MODE', 'HIDE_SAVEMISSION', 'NO_SPLASH', 'WRITE_PERSONALIZATION_FILE', 'MATLAB_APP_PATH',
  'DEBUG_MISSION_TREE', 'PLUGIN'];
const KERNEL_KEYS = ['PLANETARY_SPK_FILE', 'PLANETARY_PCK_FILE', 'LSK_FILE', 'EARTH_PCK_PREDICTED_FILE',
  'EARTH_PCK_CURRENT_FILE', 'EARTH_LATEST_PCK_FILE', 'LUNA_PCK_CURRENT_FILE', 'LUNA_FRAME_KERNEL_FILE'];

let logFd = null;
let potentialShown = false;
const out = (s) => { process.stdout.write(s); };
const both = (s) => { out(s); if (logFd !== null) { try { fs.writeSync(logFd, s); } catch (e) { /* ignore */ } } };

class Exit { constructor(code) { this.code = code; } }
class Hang {}

function sleepMs(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }
function pad2(n) { return n < 10 ? '0' + n : '' + n; }
function timestamp() {
  const d = new Date();
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' +
    pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
}
function banner() {
  out('\n********************************************\n***  GMAT Console Application\n********************************************\n\n' +
    'General Mission Analysis Tool\nConsole Based Version\nBuild Date: ' + BUILD_DATE + '  ' + BUILD_TIME + '\n\n\n');
}

// ---------------------------------------------------------------- startup file
function readStartup(file) {
  const keys = {};
  const text = fs.readFileSync(file, 'latin1');
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const k = m[1];
    if (!/_PATH$|_FILE$/.test(k) && OPTION_KEYS.indexOf(k) < 0) {
      both('**** ERROR **** Unknown key "' + k + '" in the startup file "' + file + '"\n');
      throw new Exit('init');
    }
    keys[k] = m[2].trim();
  }
  const cache = {};
  const resolve = (k, depth) => {
    if (cache[k] !== undefined) return cache[k];
    let v = keys[k];
    if (v === undefined) {
      if (k === 'OUTPUT_PATH') v = '../output/';
      else if (k === 'LOG_FILE') v = 'OUTPUT_PATH/GmatLog.txt';
      else return undefined;
    }
    const m = /^([A-Z0-9_]+_PATH)(\/.*|)$/.exec(v);
    if (m && depth < 20 && (keys[m[1]] !== undefined || m[1] === 'OUTPUT_PATH')) {
      v = resolve(m[1], depth + 1) + '/' + m[2];
    }
    v = v.replace(/\/{2,}/g, '/');
    if (/_PATH$/.test(k) && !v.endsWith('/')) v += '/';
    cache[k] = v;
    return v;
  };
  const r = {};
  for (const k of Object.keys(keys)) if (k !== 'PLUGIN') r[k] = resolve(k, 0);
  r.OUTPUT_PATH = resolve('OUTPUT_PATH', 0);
  r.LOG_FILE = resolve('LOG_FILE', 0);
  return r;
}

function initModerator(startupFile, cmdLog) {
  let cfg;
  try { cfg = readStartup(startupFile); }
  catch (e) {
    if (e instanceof Exit) { out('Moderator failed to initialize!  Unable to run GmatConsole.\n'); throw new Exit(1); }
    throw e;
  }
  // log file
  let logPath = cmdLog || cfg.LOG_FILE;
  if (!path.isAbsolute(logPath) && path.dirname(logPath) === '.') logPath = path.join(cfg.OUTPUT_PATH, logPath);
  if (fs.existsSync(logPath)) {
    let head = '';
    try { head = fs.readFileSync(logPath, 'latin1').slice(0, 15); } catch (e) { /* ignore */ }
    if (head.length && head !== 'GMAT Build Date') {
      out('**** ERROR **** The log file "' + logPath + '" exists and is not a GMAT log file\n');
      out('Moderator failed to initialize!  Unable to run GmatConsole.\n');
      throw new Exit(1);
    }
  }
  try { logFd = fs.openSync(logPath, 'w'); }
  catch (e) { logPath = path.resolve('GmatLog.txt'); try { logFd = fs.openSync(logPath, 'w'); } catch (e2) { logFd = null; } }
  if (logFd !== null) fs.writeSync(logFd, 'GMAT Build Date: ' + BUILD_DATE + ' ' + BUILD_TIME + '\n\nGMAT Log file set to ' + logPath + '\nThe log file mode is create\n');
  // path validation
  let fatal = false;
  for (const k of Object.keys(cfg)) {
    if (!/_PATH$/.test(k) || SEARCH_PATHS.indexOf(k) >= 0) continue;
    if (fs.existsSync(cfg[k]) && fs.statSync(cfg[k]).isDirectory()) continue;
    if (NONFATAL_PATHS.indexOf(k) >= 0) both(k + ' directory does not exist: ' + cfg[k] + '\n');
    else { both('**** ERROR **** ' + k + ' directory does not exist: ' + cfg[k] + '\n'); fatal = true; }
  }
  if (fatal) { both('Moderator failed to initialize!  Unable to run GmatConsole.\n'); throw new Exit(1); }
  both('Moderator is updating data files...\nModerator is creating core engine...\n');
  if (!cfg.DE421_FILE) both('DE421 file location is not defined in gmat_startup file\n');
  if (!cfg.DE424_FILE) both('DE424 file location is not defined in gmat_startup file\n');
  both('Successfully set Planetary Source to use: DE405\n'.repeat(3));
  if (cfg.NUTATION_COEFF_FILE) both('Setting nutation file to ' + cfg.NUTATION_COEFF_FILE + '\n');
  if (cfg.LEAP_SECS_FILE) both('Setting leap seconds file to ' + cfg.LEAP_SECS_FILE + '\n');
  both(timestamp() + ' GMAT Moderator successfully created core engine\n');
  return cfg;
}

// ---------------------------------------------------------------- one script
function failTail(msg) {
  out('\n***Could not read script.***\n\n' + HELP + '\n\n');
  both('ERROR!!!!!! ---- Console Application Execution Failed: ' + msg + '\n\n');
  out('EXITing GmatConsole with exit code 1\nConsole Application Execution Failed: ' + msg + '\n\n');
}
function runFailTail(msg) {
  both('ERROR!!!!!! ---- Console Application Execution Failed: ' + msg + '\n\n');
  out('EXITing GmatConsole with exit code 1\nConsole Application Execution Failed: ' + msg + '\n\n');
}

function runScript(file, cfg, verbose) {
  file = file.replace(/'/g, '');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) { both('Script file ' + file + ' does not exist\n'); return 'missing'; }
  const buf = fs.readFileSync(file);
  const text = buf.toString('latin1');
  const delay = parseInt(process.env.GSWEEP_STANDIN_DELAY_MS || '', 10);
  if (delay > 0) sleepMs(delay);
  const crashIf = process.env.GSWEEP_STANDIN_CRASH_IF;
  if (crashIf && text.indexOf(crashIf) >= 0) {
    process.kill(process.pid, 'SIGSEGV');
    sleepMs(1000);
    process.exit(139);
  }
  const hangIf = process.env.GSWEEP_STANDIN_HANG_IF;
  both('\nInterpreting scripts from the file.\n***** file: ' + file + '\n');
  both('Successfully set Planetary Source to use: DE405\n'.repeat(2));
  if (hangIf && text.indexOf(hangIf) >= 0) {
    // A test may name the grandchild's duration so it can find its own among others' processes.
    require('child_process').spawn('sleep', [process.env.GSWEEP_STANDIN_HANG_SECONDS || '3600'], { stdio: 'ignore' });
    setInterval(() => {}, 1 << 30);
    throw new Hang();
  }
  const S = require('./script');
  const parsed = S.parse(text, file, { outputPath: path.resolve(cfg.OUTPUT_PATH), warn: (m) => both(m + '\n') });
  if (parsed.errors.length) {
    parsed.errors.forEach((e, i) => {
      both((i + 1) + ': ' + file + ': **** ERROR **** ' + e.kind + ' Exception: ' + e.msg + ' in line:\n   "' +
        String(e.line).padStart(4) + ': ' + e.text + '"\n');
    });
    both('\n\n' + SEP + '\n');
    failTail('Errors were found in the script named "' + file + '"');
    throw new Exit(1);
  }
  both('Successfully interpreted the script\n');
  if (verbose) {
    both('.................... Print out the whole sequence ........................................\n' +
      '   Command::NoOp\n   Command::BeginMissionSequence\n' +
      parsed.commands.map((c) => '   Command::' + c.cmd + '\n').join('') +
      '.................... End sequence ........................................................\n');
  }
  const t0 = Date.now();
  both('Running mission...\n');
  both('Successfully set Planetary Source to use: DE405\n'.repeat(2));
  for (const k of KERNEL_KEYS) if (cfg[k]) both('Kernel ' + cfg[k] + ' has been loaded.\n');
  const usesGravity = parsed.commands.some((c) => c.cmd === 'Propagate' && parsed.objects.get(c.prop.fm).usesGravityField);
  if (usesGravity && !potentialShown && cfg.JGM2_FILE) {
    potentialShown = true;
    both('Using default potential file "' + cfg.JGM2_FILE + '" for GravityField object "GravityField.Earth"\n');
  }
  const M = require('./mission');
  const res = M.run(parsed);
  if (res.status !== 1) both('**** ERROR **** ' + res.message + '\n');
  both('\n' + (res.status === 1 ? 'Mission run completed.\n' : res.status === -4 ? ' *** Mission run interrupted.\n' : ' *** Mission run failed.\n'));
  both('===> Total Run Time: ' + ((Date.now() - t0) / 1000).toFixed(3) + ' seconds\n');
  both('\n' + SEP + '\n');
  if (res.status !== 1) { runFailTail('Moderator::RunMission failed'); throw new Exit(1); }
  out('\n\n*** GMAT Integration test (Console version) successful! ***\n\n');
  return 'ok';
}

// ---------------------------------------------------------------- modes
function defaultStartup() {
  const inCwd = path.resolve('gmat_startup_file.txt');
  if (fs.existsSync(inCwd)) return inCwd;
  const inBin = path.join(BIN_DIR, 'gmat_startup_file.txt');
  process.chdir(BIN_DIR);
  return inBin;
}

let stdinBuf = '';
let stdinEof = false;
function readToken() {
  const b = Buffer.alloc(4096);
  for (;;) {
    const m = /^\s*(\S+)(\s)/.exec(stdinBuf) || (stdinEof ? /^\s*(\S+)()/.exec(stdinBuf) : null);
    if (m) { stdinBuf = stdinBuf.slice(m[0].length); return m[1]; }
    if (stdinEof) return null;
    let n;
    try { n = fs.readSync(0, b, 0, b.length, null); }
    catch (e) { if (e.code === 'EAGAIN') { sleepMs(10); continue; } if (e.code === 'EOF') n = 0; else throw e; }
    if (n === 0) stdinEof = true; else stdinBuf += b.toString('latin1', 0, n);
  }
}

function interactive() {
  banner();
  const cfg = initModerator(defaultStartup(), null);
  let verbose = true;
  for (;;) {
    out(PROMPT);
    const tok = readToken();
    // EOF without q: real GmatConsole would re-run its last input forever; the stand-in exits 0.
    if (tok === null) { both('\n'); return; }
    if (tok === 'q' || tok === 'Q' || tok === '--exit' || tok === '-x') break;
    if (tok === '--help' || tok === '-h') { out(HELP); continue; }
    if (tok === '--version' || tok === '-v') { out('Build Date: ' + BUILD_DATE + '  ' + BUILD_TIME + '\n'); continue; }
    if (tok === '--summary' || tok === '--save') { out('The stand-in engine ignores ' + tok + '\n'); continue; }
    if (tok === '--logfile' || tok === '-l' || tok === '--startup_file' || tok === '-s') { readToken(); continue; }
    if (tok === '--verbose') { const v = readToken(); verbose = v !== 'off'; continue; }
    if (tok === '--batch' || tok === '-b') { readToken(); out('The stand-in engine does not support --batch\n'); continue; }
    let script = tok;
    if (tok === '--run' || tok === '-r') { script = readToken(); if (script === null) continue; }
    else if (tok.startsWith('-')) { out('Unrecognized option.\n' + HELP); continue; }
    runScript(script, cfg, verbose);
  }
  both('Moderator is deleting core engine...\n');
}

function main(argv) {
  if (argv.length === 0) { interactive(); return 0; }
  let startup = null, logfile = null;
  if (argv.length > 1) {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--startup_file' || argv[i] === '-s') startup = (argv[++i] || '').replace(/'/g, '');
      else if (argv[i] === '--logfile' || argv[i] === '-l') logfile = (argv[++i] || '').replace(/'/g, '');
    }
    if (startup !== null && !(fs.existsSync(startup) && fs.statSync(startup).isFile())) {
      out('ERROR: Startup file specified not found: "' + startup + '" does not exist.\n');
      return 1;
    }
  }
  banner();
  const cfg = initModerator(startup || defaultStartup(), logfile);
  if (argv.length === 1 && !argv[0].startsWith('-')) {
    runScript(argv[0], cfg, true);
  } else {
    let verbose = true;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--verbose') { const v = argv[++i]; verbose = v !== 'off'; out('Verbose mode is ' + (verbose ? 'on' : 'off') + '\n'); }
      else if (a === '--startup_file' || a === '-s' || a === '--logfile' || a === '-l') i++;
      else if (a === '--run' || a === '-r') { const f = argv[++i]; if (f !== undefined) runScript(f, cfg, verbose); }
      else if (a === '--batch' || a === '-b') {
        i++;
        both('**** ERROR **** The stand-in engine does not support --batch\n');
        return 1;
      }
      else if (a === '--version' || a === '-v') out('Build Date: ' + BUILD_DATE + '  ' + BUILD_TIME + '\n');
      else if (a === '--help' || a === '-h') out(HELP);
      else if (a === '--summary' || a === '--save' || a === '--minimize' || a === '-m' || a === '--start-server' || a === '--args' || a === '--exit' || a === '-x') { /* ignored */ }
      else { out('The option "' + a + '" is not valid.\n' + HELP); break; }
    }
  }
  both('Moderator is deleting core engine...\n');
  return 0;
}

let code;
try { code = main(process.argv.slice(2)); }
catch (e) {
  if (e instanceof Hang) code = null;
  else if (e instanceof Exit) code = e.code;
  else {
    // an engine bug: fail loudly like an uncaught C++ exception, never exit 0
    both('**** ERROR **** stand-in internal error: ' + (e && e.stack || e) + '\n');
    code = 134;
  }
}
if (code !== null) {
  if (logFd !== null) { try { fs.closeSync(logFd); } catch (e) { /* ignore */ } }
  process.exitCode = code;
}
