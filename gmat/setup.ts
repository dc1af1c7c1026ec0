/**
 * `gsweep setup-gmat`: assembles a real GmatConsole R2026a from packages PyPI serves.
 *
 *   gmatpy 0.2.1 wheel (manylinux_2_28 x86-64): GMAT's engine libraries libGmatBase/libGmatUtil
 *     (CSPICE linked in) and GMAT's scientific data (DE405, SPK, EOP, PCK, gravity, leap seconds)
 *   gmatpy 0.2.0 sdist: GMAT's headers (src/base, src/gmatutil) and GmatConsole's four sources
 *   CSPICE headers: the one thing no registry serves; the user names their directory
 *
 * GmatConsole is compiled against the wheel's libraries (a few seconds of g++), laid out as
 * `<prefix>/{bin,data,output}` with an absolute startup file, and proved by running a tiny
 * mission before the install is moved into place. Everything is built in a sibling temp
 * directory and renamed at the end, so a prefix is either absent or complete; a marker file
 * records what was built, so a second call with the same pins returns at once.
 *
 * Written here rather than with a library: the job is a short sequence of external tools
 * (pip, unzip, tar, g++) whose absence must be reported by name, which no npm package does.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGmatConsole, SUCCESS_LINE } from './console';
import { defaultGmatPrefix, inspectInstall, SETUP_GMAT_VERSION, type GmatInstall } from './install';
import { writeStartupFile } from './startup';
import { RUN_FILES, runFilePath } from '../output/layout';

export interface PinnedFile {
  /** File name as pip saves it. */
  file: string;
  sha256: string;
  /** `pip download` arguments (besides `-d DIR`) that fetch exactly this file. */
  pipArgs: string[];
}

export const GMATPY_WHEEL: PinnedFile = {
  file: 'gmatpy-0.2.1-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl',
  sha256: '0ac2c460ecd5cb2d16bb13849ba4caa9e40ec917c5d7e110348e1375105d86b8',
  // The wheel is only read as a zip: no Python 3.12 is needed, so ask pip for that platform.
  pipArgs: ['--no-deps', '--only-binary=:all:', '--python-version', '3.12', '--platform', 'manylinux_2_28_x86_64', 'gmatpy==0.2.1'],
};

export const GMATPY_SDIST: PinnedFile = {
  file: 'gmatpy-0.2.0.tar.gz',
  sha256: '0489bf4e4c0c8c696d6ae653511c5a14bf0f4a286d39abeb83049e1d66db15d1',
  // `--no-binary :all:` would make pip build swig from source (a non-registry download).
  pipArgs: ['--no-deps', '--no-binary', 'gmatpy', 'gmatpy==0.2.0'],
};

const LIBS = ['libGmatBase.so.R2026a', 'libGmatUtil.so.R2026a'];
const SDIST_ROOT = 'gmatpy-0.2.0';
export const MARKER_FILE = '.gsweep-setup-gmat.json';

/** The compile flags GMAT's own console build uses on Linux (src/console/CMakeLists.txt). */
const CXX_FLAGS = [
  '-std=c++17', '-O2', '-w',
  '-D__USE_SPICE__', '-DNO_GCC_PRAGMA', '-DUNICODE', '-D_UNICODE', '-DUSE_64_BIT_LONGS',
  '-DLINUX_MAC', '-D_DYNAMICLINK', '-DEXP_STL',
];

/** Startup-file `*_PATH` keys GMAT insists exist but a console run never reads. */
const UNUSED_PATH_KEYS = [
  'VEHICLE_EPHEM_PATH', 'VEHICLE_EPHEM_SPK_PATH', 'VEHICLE_EPHEM_CCSDS_PATH', 'LUNA_POT_PATH',
  'VENUS_POT_PATH', 'MARS_POT_PATH', 'OTHER_POT_PATH', 'TEXTURE_PATH', 'BODY_3D_MODEL_PATH',
  'MEASUREMENT_PATH', 'GUI_CONFIG_PATH', 'SPLASH_PATH', 'ICON_PATH', 'STAR_PATH',
  'VEHICLE_MODEL_PATH', 'SPAD_PATH', 'IONOSPHERE_PATH', 'MARS_ATMOSPHERE_PATH',
  'FILE_UPDATE_PATH', 'HELP_PATH',
];

export class SetupGmatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupGmatError';
  }
}

export interface SetupMarker {
  gmat: string;
  wheel: { file: string; sha256: string };
  sdist: { file: string; sha256: string };
  cspiceInclude: string;
  builtAt: string;
  buildSeconds: number;
}

function expectedMarker(m: Partial<SetupMarker>): boolean {
  return (
    m.gmat === SETUP_GMAT_VERSION &&
    m.wheel?.sha256 === GMATPY_WHEEL.sha256 &&
    m.sdist?.sha256 === GMATPY_SDIST.sha256
  );
}

function readMarker(prefix: string): Partial<SetupMarker> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(prefix, MARKER_FILE), 'utf8')) as Partial<SetupMarker>;
  } catch {
    return undefined;
  }
}

/** The complete setup-gmat install at `prefix` (current pins), or undefined. No side effects. */
export function findSetupInstall(prefix: string): GmatInstall | undefined {
  const marker = readMarker(prefix);
  if (!marker || !expectedMarker(marker)) return undefined;
  const r = inspectInstall(prefix);
  return typeof r === 'string' ? undefined : r;
}

// ------------------------------------------------------------------------------------------
// Startup file (pure)

/** The startup file of a setup-gmat install rooted at `root` (absolute: this console resolves
 *  relative paths against its working directory, which gsweep sets to the run directory). */
export function setupStartupText(root: string): string {
  if (!path.isAbsolute(root)) throw new Error(`startup file: install root ${JSON.stringify(root)} must be absolute`);
  const r = root.replace(/\/+$/, '');
  const data = `${r}/data`;
  const unused = `${r}/unused/`;
  const lines: [string, string][] = [
    ['MATLAB_MODE', 'NO_MATLAB'],
    ['RUN_MODE', 'TESTING_NO_PLOTS'],
    ['WRITE_PERSONALIZATION_FILE', 'OFF'],
    ['ROOT_PATH', `${r}/`],
    ['DATA_PATH', `${data}/`],
    ['TIME_PATH', `${data}/time/`],
    ['PLANETARY_COEFF_PATH', `${data}/planetary_coeff/`],
    ['PLANETARY_EPHEM_DE_PATH', `${data}/planetary_ephem/de/`],
    ['PLANETARY_EPHEM_SPK_PATH', `${data}/planetary_ephem/spk/`],
    ['EARTH_POT_PATH', `${data}/gravity/earth/`],
    ['ATMOSPHERE_PATH', `${data}/atmosphere/earth/`],
    ...UNUSED_PATH_KEYS.map((k): [string, string] => [k, unused]),
    ['OUTPUT_PATH', `${r}/output/`],
    ['LOG_FILE', `${r}/output/GmatLog.txt`],
    ['DE405_FILE', `${data}/planetary_ephem/de/gmatpy_de405_1941_2201.405`],
    ['PLANETARY_SPK_FILE', `${data}/planetary_ephem/spk/gmatpy_de405_all_planets.bsp`],
    ['EOP_FILE', `${data}/planetary_coeff/eopc04_08.62-now`],
    ['NUTATION_COEFF_FILE', `${data}/planetary_coeff/NUTATION.DAT`],
    ['PLANETARY_PCK_FILE', `${data}/planetary_coeff/SPICEPlanetaryConstantsKernel.tpc`],
    ['EARTH_LATEST_PCK_FILE', `${data}/planetary_coeff/earth_latest_high_prec.bpc`],
    ['EARTH_PCK_PREDICTED_FILE', `${data}/planetary_coeff/SPICEEarthPredictedKernel.bpc`],
    ['EARTH_PCK_CURRENT_FILE', `${data}/planetary_coeff/SPICEEarthCurrentKernel.bpc`],
    ['LUNA_PCK_CURRENT_FILE', `${data}/planetary_coeff/SPICELunaCurrentKernel.bpc`],
    ['LUNA_FRAME_KERNEL_FILE', `${data}/planetary_coeff/SPICELunaFrameKernel.tf`],
    ['LEAP_SECS_FILE', `${data}/time/tai-utc.dat`],
    ['LSK_FILE', `${data}/time/SPICELeapSecondKernel.tls`],
    ['EGM96_FILE', `${data}/gravity/earth/EGM96.cof`],
    ['JGM2_FILE', `${data}/gravity/earth/JGM2.cof`],
    ['JGM3_FILE', `${data}/gravity/earth/JGM3.cof`],
    ['EARTH_EXPONENTIAL_FILE', `${data}/atmosphere/earth/EarthExponentialAtmosphereData.txt`],
    ['ICRF_FILE', `${data}/icrf/ICRF_Table.txt`],
    // Not in the wheel; GMAT reads them only for models a point-mass console run never uses.
    ['CSSI_FLUX_FILE', `${unused}space-weather.txt`],
    ['SCHATTEN_FILE', `${unused}schatten.txt`],
  ];
  const header = [
    `# GMAT ${SETUP_GMAT_VERSION} GmatConsole built by gsweep setup-gmat from PyPI gmatpy 0.2.1 (engine, data)`,
    '# and gmatpy 0.2.0 (console sources). No plugins: no ContactLocator/EventLocator, no TLE propagator.',
  ];
  return [...header, ...lines.map(([k, v]) => `${k.padEnd(27)}= ${v}`)].join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------
// Tools

interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const TOOL_FIX: Record<string, string> = {
  unzip: 'install unzip (Debian/Ubuntu: apt-get install unzip; RHEL/Fedora: dnf install unzip)',
  tar: 'install tar and gzip (Debian/Ubuntu: apt-get install tar gzip)',
  'g++': 'install a C++17 compiler (Debian/Ubuntu: apt-get install g++; RHEL/Fedora: dnf install gcc-c++)',
};

function requireTool(name: string, env: NodeJS.ProcessEnv): string {
  const p = onPath(name, env);
  if (!p) throw new SetupGmatError(`gsweep setup-gmat needs \`${name}\`, which is not on PATH: ${TOOL_FIX[name]}`);
  return p;
}

/** `python3 -m pip` (or `pip3`/`pip` when there is no python3). */
async function findPip(env: NodeJS.ProcessEnv): Promise<string[]> {
  const candidates: string[][] = [];
  for (const py of ['python3', 'python']) if (onPath(py, env)) candidates.push([py, '-m', 'pip']);
  for (const pip of ['pip3', 'pip']) if (onPath(pip, env)) candidates.push([pip]);
  const tried: string[] = [];
  for (const c of candidates) {
    try {
      const r = await runTool(c[0]!, [...c.slice(1), '--version'], { env });
      if (r.code === 0) return c;
      tried.push(`\`${c.join(' ')}\` exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    } catch (e) {
      tried.push(`\`${c.join(' ')}\`: ${(e as Error).message}`);
    }
  }
  throw new SetupGmatError(
    'gsweep setup-gmat needs `pip` (python3 -m pip) to download gmatpy from PyPI, and found none' +
      (tried.length ? ` (${tried.join('; ')})` : ' (no python3, python, pip3 or pip on PATH)') +
      ': install Python 3 with pip (Debian/Ubuntu: apt-get install python3-pip), or download ' +
      `${GMATPY_WHEEL.file} and ${GMATPY_SDIST.file} elsewhere and pass --from <dir>`,
  );
}

/** The CSPICE include directory (holding `SpiceUsr.h` directly or under `cspice/`). */
function checkCspiceInclude(dir: string | undefined): { dirs: string[]; root: string } {
  const fix =
    'pass --cspice-include <dir> (or set GSWEEP_CSPICE_INCLUDE) naming the `include` directory of the NAIF CSPICE toolkit ' +
    '(from https://naif.jpl.nasa.gov/naif/toolkit_C.html, cspice.tar.Z, or a gsweep checkout\'s ../shared/vendor/cspice/include); ' +
    'no package registry serves these headers';
  if (!dir) throw new SetupGmatError(`gsweep setup-gmat needs the CSPICE headers: ${fix}`);
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new SetupGmatError(`CSPICE include directory ${JSON.stringify(root)} does not exist: ${fix}`);
  }
  if (fs.existsSync(path.join(root, 'cspice', 'SpiceUsr.h'))) return { root, dirs: [root, path.join(root, 'cspice')] };
  if (fs.existsSync(path.join(root, 'SpiceUsr.h'))) return { root, dirs: [root] };
  throw new SetupGmatError(`CSPICE include directory ${JSON.stringify(root)} holds no SpiceUsr.h (nor cspice/SpiceUsr.h): ${fix}`);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function verify(file: string, pin: PinnedFile): Promise<void> {
  const got = await sha256File(file);
  if (got !== pin.sha256) {
    throw new SetupGmatError(`${file}: SHA-256 ${got} does not match the pinned ${pin.sha256}; refusing to build from it (delete it and download again)`);
  }
}

function subdirs(dir: string): string[] {
  const out = [dir];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...subdirs(path.join(dir, e.name)));
  return out;
}

// ------------------------------------------------------------------------------------------
// Setup

export interface SetupGmatOptions {
  /** Install directory (default: defaultGmatPrefix()). */
  prefix?: string;
  /** CSPICE include directory (default: GSWEEP_CSPICE_INCLUDE). */
  cspiceInclude?: string;
  /** A directory already holding the two pinned files: no download (offline machines). */
  from?: string;
  /** Rebuild even if a complete install is there. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The machine built for (default: this one); only linux/x64 is supported. */
  platform?: NodeJS.Platform;
  arch?: string;
}

export interface SetupGmatResult {
  install: GmatInstall;
  /** false: a complete install was already there and nothing was done. */
  built: boolean;
  seconds: number;
}

/** A tiny Earth point-mass mission: proves engine, data and startup file work together. */
const PROOF_SCRIPT = `Create Spacecraft Sat;
Sat.DateFormat = UTCGregorian;
Sat.Epoch = '01 Jan 2026 12:00:00.000';
Sat.CoordinateSystem = EarthMJ2000Eq;
Sat.DisplayStateType = Keplerian;
Sat.SMA = 7000;
Sat.ECC = 0.001;
Sat.INC = 51.6;
Create ForceModel FM;
FM.CentralBody = Earth;
FM.PrimaryBodies = {Earth};
FM.GravityField.Earth.Degree = 0;
FM.GravityField.Earth.Order = 0;
FM.Drag.AtmosphereModel = None;
FM.SRP = Off;
Create Propagator Prop;
Prop.FM = FM;
Prop.Type = RungeKutta89;
Prop.InitialStepSize = 60;
Prop.MinStep = 60;
Prop.MaxStep = 60;
Create ReportFile Proof;
Proof.Filename = 'PROOF_REPORT';
Proof.Add = {Sat.ElapsedSecs, Sat.Earth.SMA};
Proof.WriteHeaders = false;
BeginMissionSequence;
Propagate Prop(Sat) {Sat.ElapsedSecs = 600};
`;

async function proveInstall(root: string): Promise<void> {
  const install = inspectInstall(root);
  if (typeof install === 'string') throw new SetupGmatError(`the built install at ${root} is incomplete: ${install}`);
  const runDir = path.join(root, 'output', 'setup-proof');
  fs.mkdirSync(runDir, { recursive: true });
  const report = path.join(runDir, 'proof.txt');
  const scriptPath = path.join(runDir, 'proof.script');
  fs.writeFileSync(scriptPath, PROOF_SCRIPT.replace('PROOF_REPORT', report));
  const startupPath = writeStartupFile(install, runDir);
  try {
    const r = await runGmatConsole({ install, scriptPath, startupPath, logPath: runFilePath(runDir, RUN_FILES.log), cwd: runDir, timeoutMs: 120_000 });
    if (!r.stdout.includes(SUCCESS_LINE)) throw new Error('no success line');
    const rows = fs.readFileSync(report, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    // 600 s at 60 s steps: 11 rows; a two-body orbit keeps its osculating SMA.
    const last = rows[rows.length - 1]!;
    if (rows.length !== 11 || Math.abs(last[0]! - 600) > 1e-6 || Math.abs(last[1]! - 7000) > 1e-6) {
      throw new Error(`unexpected report (${rows.length} rows, last ${JSON.stringify(last)})`);
    }
  } catch (e) {
    const log = runFilePath(runDir, RUN_FILES.log);
    throw new SetupGmatError(
      `the freshly built GmatConsole failed its proof run: ${(e as Error).message}` +
        (fs.existsSync(log) ? `\n${fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}` : ''),
    );
  }
  fs.rmSync(runDir, { recursive: true, force: true });
}

/** Builds (or finds) the setup-gmat install. Safe to call concurrently and repeatedly. */
export async function setupGmat(options: SetupGmatOptions = {}): Promise<SetupGmatResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const prefix = path.resolve(options.prefix ?? defaultGmatPrefix(env));

  if (!options.force) {
    const existing = findSetupInstall(prefix);
    if (existing) return { install: existing, built: false, seconds: (Date.now() - started) / 1000 };
  }
  checkPrefixIsOurs(prefix);
  const tools = await checkPrerequisites(options, env);

  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(prefix), `.${path.basename(prefix)}.tmp-`));
  try {
    const stage = path.join(tmp, 'install');
    const work = path.join(tmp, 'work');
    const downloads = tools.fromDir ?? path.join(work, 'downloads');
    fs.mkdirSync(path.join(work, 'downloads'), { recursive: true });
    await fetchPinnedFiles(tools.pip, downloads, env, log);

    log('unpacking the engine libraries, data and console sources');
    const srcDir = await unpackPinnedFiles(tools, downloads, work, stage);
    const bin = path.join(stage, 'bin');
    log(`compiling GmatConsole with ${tools.cxx} (about 10 s)`);
    await compileConsole(tools, path.join(srcDir, SDIST_ROOT, 'src'), bin, env);

    log('proving the build with a 10-minute two-body mission');
    fs.writeFileSync(path.join(bin, 'gmat_startup_file.txt'), setupStartupText(stage));
    await proveInstall(stage);
    // Only the root changes with the rename: write the final paths, then move into place.
    fs.writeFileSync(path.join(bin, 'gmat_startup_file.txt'), setupStartupText(prefix));
    const marker: SetupMarker = {
      gmat: SETUP_GMAT_VERSION,
      wheel: { file: GMATPY_WHEEL.file, sha256: GMATPY_WHEEL.sha256 },
      sdist: { file: GMATPY_SDIST.file, sha256: GMATPY_SDIST.sha256 },
      cspiceInclude: tools.cspice.root,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    fs.writeFileSync(path.join(stage, MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');
    return moveIntoPlace(stage, prefix, tmp, started);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** An existing prefix is built over only when it is a setup-gmat install or empty. */
function checkPrefixIsOurs(prefix: string): void {
  if (!fs.existsSync(prefix)) return;
  const marker = readMarker(prefix);
  const empty = fs.statSync(prefix).isDirectory() && fs.readdirSync(prefix).length === 0;
  if (!marker && !empty) {
    throw new SetupGmatError(
      `${prefix} exists and is not a gsweep setup-gmat install; give another --prefix (or GSWEEP_GMAT_PREFIX) or remove it`,
    );
  }
}

interface BuildTools {
  cspice: { dirs: string[]; root: string };
  unzip: string;
  tar: string;
  cxx: string;
  /** `--from`: the directory holding the pinned files, so nothing is downloaded. */
  fromDir: string | undefined;
  /** pip's command line when the pinned files are downloaded. */
  pip: string[] | undefined;
}

/** Every prerequisite is checked before anything is downloaded or written. */
async function checkPrerequisites(options: SetupGmatOptions, env: NodeJS.ProcessEnv): Promise<BuildTools> {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  if (platform !== 'linux' || arch !== 'x64') {
    throw new SetupGmatError(
      `gsweep setup-gmat builds GMAT for Linux x86-64 only (gmatpy's wheel holds manylinux x86_64 libraries), not ${platform}/${arch}: ` +
        "install NASA's GMAT release for this machine and set GMAT_ROOT, or run gsweep's workers in a Linux x86-64 container (deploy/Dockerfile)",
    );
  }
  const cspice = checkCspiceInclude(options.cspiceInclude ?? env.GSWEEP_CSPICE_INCLUDE);
  const unzip = requireTool('unzip', env);
  const tar = requireTool('tar', env);
  const cxx = requireTool('g++', env);
  let fromDir: string | undefined;
  if (options.from) {
    fromDir = path.resolve(options.from);
    for (const pin of [GMATPY_WHEEL, GMATPY_SDIST]) {
      if (!fs.existsSync(path.join(fromDir, pin.file))) {
        throw new SetupGmatError(`--from ${fromDir} holds no ${pin.file}; download it with \`pip download ${pin.pipArgs.join(' ')} -d ${fromDir}\``);
      }
    }
  }
  const pip = fromDir ? undefined : await findPip(env);
  return { cspice, unzip, tar, cxx, fromDir, pip };
}

/** The wheel and sdist in `downloads` (fetched by pip unless given), each checked against its pin. */
async function fetchPinnedFiles(pip: string[] | undefined, downloads: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  for (const pin of [GMATPY_WHEEL, GMATPY_SDIST]) {
    if (pip) {
      log(`downloading ${pin.file} from PyPI (pip download ${pin.pipArgs.join(' ')})`);
      const r = await runTool(pip[0]!, [...pip.slice(1), 'download', ...pin.pipArgs, '-d', downloads, '--disable-pip-version-check'], { env });
      if (r.code !== 0) {
        throw new SetupGmatError(`pip download of ${pin.pipArgs[pin.pipArgs.length - 1]} failed (exit ${r.code}):\n${r.stderr.trim() || r.stdout.trim()}`);
      }
    }
    const file = path.join(downloads, pin.file);
    if (!fs.existsSync(file)) throw new SetupGmatError(`pip did not save ${pin.file} in ${downloads}`);
    await verify(file, pin);
  }
}

/**
 * The wheel's libraries, data and licences laid out in `stage` as a GMAT install; the sdist's
 * console sources unpacked under `work`. Returns where the sources are.
 */
async function unpackPinnedFiles(tools: BuildTools, downloads: string, work: string, stage: string): Promise<string> {
  const wheelDir = path.join(work, 'wheel');
  const r1 = await runTool(tools.unzip, [
    '-q', path.join(downloads, GMATPY_WHEEL.file),
    ...LIBS.map((l) => `gmatpy/_native/${l}`), 'gmatpy/data/*', 'gmatpy/LICENSES.md', 'gmatpy/NOTICE.txt', 'gmatpy-0.2.1.dist-info/licenses/*',
    '-d', wheelDir,
  ]);
  if (r1.code !== 0) throw new SetupGmatError(`unzip of ${GMATPY_WHEEL.file} failed (exit ${r1.code}): ${r1.stderr.trim()}`);
  const srcDir = path.join(work, 'sdist');
  fs.mkdirSync(srcDir);
  const r2 = await runTool(tools.tar, ['-xzf', path.join(downloads, GMATPY_SDIST.file), '-C', srcDir, ...['base', 'gmatutil', 'console'].map((d) => `${SDIST_ROOT}/src/${d}`)]);
  if (r2.code !== 0) throw new SetupGmatError(`tar of ${GMATPY_SDIST.file} failed (exit ${r2.code}): ${r2.stderr.trim()}`);

  const bin = path.join(stage, 'bin');
  for (const d of ['bin', 'output', 'unused', 'licenses']) fs.mkdirSync(path.join(stage, d), { recursive: true });
  fs.renameSync(path.join(wheelDir, 'gmatpy', 'data'), path.join(stage, 'data'));
  for (const l of LIBS) fs.renameSync(path.join(wheelDir, 'gmatpy', '_native', l), path.join(bin, l));
  fs.renameSync(path.join(wheelDir, 'gmatpy', 'LICENSES.md'), path.join(stage, 'licenses', 'LICENSES.md'));
  fs.renameSync(path.join(wheelDir, 'gmatpy', 'NOTICE.txt'), path.join(stage, 'licenses', 'NOTICE.txt'));
  fs.cpSync(path.join(wheelDir, 'gmatpy-0.2.1.dist-info', 'licenses'), path.join(stage, 'licenses'), { recursive: true });
  return srcDir;
}

/** GmatConsole from the sdist's console sources, linked against the wheel's libraries in `bin`. */
async function compileConsole(tools: BuildTools, src: string, bin: string, env: NodeJS.ProcessEnv): Promise<void> {
  const includes = [...subdirs(path.join(src, 'base')), ...subdirs(path.join(src, 'gmatutil')), ...tools.cspice.dirs].map((d) => `-I${d}`);
  const consoleDir = path.join(src, 'console');
  const sources = fs.readdirSync(consoleDir).filter((f) => f.endsWith('.cpp')).sort().map((f) => path.join(consoleDir, f));
  const r3 = await runTool(tools.cxx, [
    ...CXX_FLAGS, ...includes, ...sources,
    `-L${bin}`, ...LIBS.map((l) => `-l:${l}`), "-Wl,-rpath,$ORIGIN",
    '-o', path.join(bin, 'GmatConsole'),
  ], { env });
  if (r3.code !== 0) {
    const tail = (r3.stderr || r3.stdout).trim().split('\n').slice(-20).join('\n');
    throw new SetupGmatError(`compiling GmatConsole failed (exit ${r3.code}); check that ${tools.cspice.root} holds CSPICE's headers:\n${tail}`);
  }
}

/** Swaps the proven build in at `prefix`; when another setup-gmat got there first, uses its install. */
function moveIntoPlace(stage: string, prefix: string, tmp: string, started: number): SetupGmatResult {
  if (fs.existsSync(prefix)) {
    // An older or forced-over setup-gmat install (checked before the build): move it aside, then swap.
    const old = path.join(tmp, 'previous');
    try {
      fs.renameSync(prefix, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  try {
    fs.renameSync(stage, prefix);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const winner = (code === 'ENOTEMPTY' || code === 'EEXIST') && findSetupInstall(prefix);
    if (!winner) throw e;
    return { install: winner, built: false, seconds: (Date.now() - started) / 1000 };
  }
  const install = inspectInstall(prefix);
  if (typeof install === 'string') throw new SetupGmatError(`${prefix}: ${install}`);
  return { install, built: true, seconds: (Date.now() - started) / 1000 };
}
