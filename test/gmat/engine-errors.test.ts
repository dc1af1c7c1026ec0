import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractEngineErrors } from '../../gmat/console';

const RUNS = path.resolve(__dirname, '../../../shared/fixtures/gmat-runs');
const stdout = (c: string) => fs.readFileSync(path.join(RUNS, c, 'stdout.txt'), 'utf8');

describe('extractEngineErrors on real GmatConsole output', () => {
  it('sma0', () => {
    expect(extractEngineErrors(stdout('leo_point_mass/sma0'))).toBe(
      [
        '1: /data/sweep/runs/run-0/patched.script: **** ERROR **** Utility Exception: The value of "0" for field "SMA" on object "Sat" is not an allowed value.',
        'The allowed values are: [Real Number != 0 (tolerance = 0.001)] in line:',
        '   "  39: GMAT Sat.SMA = 0;"',
      ].join('\n'),
    );
  });

  it('ecc1_5', () => {
    expect(extractEngineErrors(stdout('leo_point_mass/ecc1_5'))).toBe(
      [
        '1: /data/sweep/runs/run-0/patched.script: **** ERROR **** Utility Exception: The value of "1.5" for field "ECC" on object "Sat" is not an allowed value.',
        'The allowed values are: [0 < Real Number < 1 when SMA > 0] in line:',
        '   "  39: GMAT Sat.ECC = 1.5;"',
      ].join('\n'),
    );
  });

  it('badfield', () => {
    expect(extractEngineErrors(stdout('leo_point_mass/badfield'))).toBe(
      [
        '1: /data/sweep/runs/run-0/patched.script: **** ERROR **** Interpreter Exception: The field name "NotAField" on object "Sat" is not permitted in line:',
        '   "  39: GMAT Sat.NotAField = 3;"',
      ].join('\n'),
    );
  });

  it('the GMAT log has the same errors', () => {
    expect(extractEngineErrors(fs.readFileSync(path.join(RUNS, 'leo_point_mass/sma0/GmatLog.txt'), 'utf8'))).toBe(
      extractEngineErrors(stdout('leo_point_mass/sma0')),
    );
  });

  it('returns "" for successful runs', () => {
    for (const c of ['leo_point_mass/nominal', 'leo_point_mass/sma7100', 'leo_point_mass/epoch', 'geo_drift/nominal', 'coast_and_burn/nominal', 'coast_and_burn/coast2400_kick1']) {
      expect(extractEngineErrors(stdout(c))).toBe('');
    }
  });

  it('keeps run failures, init failures and missing-script lines, not the banner', () => {
    const text = [
      '***  GMAT Console Application',
      'Running mission...',
      '**** ERROR **** Propagate::Execute(): the state went bad',
      ' *** Mission run failed.',
      '===> Total Run Time: 0.01 seconds',
      'Moderator failed to initialize!  Unable to run GmatConsole.',
      'Script file /x/y.script does not exist',
      'EXITing GmatConsole with exit code 1',
    ].join('\r\n');
    expect(extractEngineErrors(text)).toBe(
      [
        '**** ERROR **** Propagate::Execute(): the state went bad',
        '*** Mission run failed.',
        'Moderator failed to initialize!  Unable to run GmatConsole.',
        'Script file /x/y.script does not exist',
      ].join('\n'),
    );
  });
});
