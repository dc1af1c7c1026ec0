import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStartupFile, renderStartupText, writeStartupFile } from '../../gmat/startup';
import type { GmatInstall } from '../../gmat/install';

const TEMPLATE = [
  '# GMAT startup file (synthetic, shaped like gmat_startup_file_mac_linux.txt)',
  'WRITE_GMAT_KEYWORD       = OFF',
  '#DEBUG_FILE_PATH         = ON',
  'DEBUG_FILE_PATH          = ON',
  'PLUGIN                  = ../plugins/libEventLocator',
  'PLUGIN                  = ../plugins/thinksys/libTLEPropagator',
  '# PLUGIN                  = ../plugins/libFminconOptimizer',
  'PLUGIN                  = /usr/local/lib/libCustom',
  'ROOT_PATH                = ../',
  'OUTPUT_PATH              = ../output/',
  'LOG_FILE                 = OUTPUT_PATH/GmatLog.txt',
  'MEASUREMENT_PATH         = OUTPUT_PATH/',
  'DATA_PATH                = ROOT_PATH/data/',
  'DE405_FILE               = PLANETARY_EPHEM_DE_PATH/leDE1941.405',
  'HELP_PATH              \t\t= ROOT_PATH/docs/help',
  'LOCAL_FILE               = ./local.txt',
  'PLAIN_FILE               = data/plain.txt',
  '',
].join('\n');

const EXPECTED = [
  '# GMAT startup file (synthetic, shaped like gmat_startup_file_mac_linux.txt)',
  'WRITE_GMAT_KEYWORD       = OFF',
  '#DEBUG_FILE_PATH         = ON',
  'DEBUG_FILE_PATH          = ON',
  'PLUGIN                  = /opt/gmat-R2026a/plugins/libEventLocator',
  'PLUGIN                  = /opt/gmat-R2026a/plugins/thinksys/libTLEPropagator',
  '# PLUGIN                  = ../plugins/libFminconOptimizer',
  'PLUGIN                  = /usr/local/lib/libCustom',
  'ROOT_PATH                = /opt/gmat-R2026a/',
  'OUTPUT_PATH              = /data/sweep/runs/run-0/',
  'LOG_FILE                 = /data/sweep/runs/run-0/GmatLog.txt',
  'MEASUREMENT_PATH         = OUTPUT_PATH/',
  'DATA_PATH                = ROOT_PATH/data/',
  'DE405_FILE               = PLANETARY_EPHEM_DE_PATH/leDE1941.405',
  'HELP_PATH              \t\t= ROOT_PATH/docs/help',
  'LOCAL_FILE               = /opt/gmat-R2026a/bin/local.txt',
  'PLAIN_FILE               = /opt/gmat-R2026a/bin/data/plain.txt',
  '',
].join('\n');

const install = { root: '/opt/gmat-R2026a', binDir: '/opt/gmat-R2026a/bin' };

describe('startup file', () => {
  it('makes every relative path absolute and points OUTPUT_PATH/LOG_FILE at the run directory', () => {
    expect(renderStartupText(TEMPLATE, install, '/data/sweep/runs/run-0')).toBe(EXPECTED);
    expect(renderStartupText(TEMPLATE, install, '/data/sweep/runs/run-0/')).toBe(EXPECTED);
  });

  it('adds OUTPUT_PATH and LOG_FILE when the template lacks them', () => {
    expect(renderStartupText('ROOT_PATH = ../\n', install, '/r')).toBe(
      'ROOT_PATH = /opt/gmat-R2026a/\nOUTPUT_PATH              = /r/\nLOG_FILE                 = /r/GmatLog.txt\n',
    );
  });

  it('insists on absolute paths', () => {
    expect(() => renderStartupText(TEMPLATE, install, 'runs/run-0')).toThrow(/run directory "runs\/run-0" must be an absolute path/);
  });

  it('reads the install template and writes <runDir>/gmat_startup_file.txt', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-startup-'));
    fs.mkdirSync(path.join(root, 'bin'));
    fs.writeFileSync(path.join(root, 'bin', 'gmat_startup_file.txt'), TEMPLATE);
    const runDir = path.join(root, 'run-0');
    fs.mkdirSync(runDir);
    const inst: GmatInstall = {
      root,
      binDir: path.join(root, 'bin'),
      consolePath: path.join(root, 'bin', 'GmatConsole'),
      startupTemplatePath: path.join(root, 'bin', 'gmat_startup_file.txt'),
      version: null,
      standIn: false,
    };
    const text = renderStartupFile(inst, runDir);
    expect(text).toContain(`ROOT_PATH                = ${root}/\n`);
    expect(text).toContain(`OUTPUT_PATH              = ${runDir}/\n`);
    const p = writeStartupFile(inst, runDir);
    expect(p).toBe(path.join(runDir, 'gmat_startup_file.txt'));
    expect(fs.readFileSync(p, 'utf8')).toBe(text);
  });
});
