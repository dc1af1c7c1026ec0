// SPK and Code-500 EphemerisFiles (binary: coefficients / packed records, no state rows) no longer fail the run: the real
// GmatConsole writes it, the run is ok, the .bsp is kept and outcome.json says why there is
// no table, while a CCSDS-OEM ephemeris of the same run becomes its table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMission } from '../../../gmat/run-mission';
import { MISSIONS, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

const root = tempDir('gsweep-spk-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('SPK ephemeris output', () => {
  it('keeps the .bsp, records a warning, and tables the OEM of the same run', async () => {
    const script = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8').replace(
      'BeginMissionSequence;',
      [
        'Create EphemerisFile Kernel;',
        'GMAT Kernel.Spacecraft = Sat;',
        "GMAT Kernel.Filename = 'sat.bsp';",
        'GMAT Kernel.FileFormat = SPK;',
        'Create EphemerisFile Oem;',
        'GMAT Oem.Spacecraft = Sat;',
        "GMAT Oem.Filename = 'sat.oem';",
        'GMAT Oem.FileFormat = CCSDS-OEM;',
        'Create EphemerisFile Packed;',
        'GMAT Packed.Spacecraft = Sat;',
        'GMAT Packed.FileFormat = Code-500;',
        'BeginMissionSequence;',
      ].join('\n'),
    );
    const runDirectory = path.join(root, 'run-0');
    const { outcome } = await runMission({ scriptText: script, overrides: {}, runId: 0, runDirectory, install: await realGmat(), timeoutMs: 120_000 });
    expect(outcome.status).toBe('ok');
    const bsp = path.join(runDirectory, 'sat.bsp');
    expect(fs.readFileSync(bsp).subarray(0, 8).toString('latin1')).toBe('DAF/SPK ');
    expect(outcome.warnings).toEqual([
      `EphemerisFile Kernel is a binary SPK kernel: kept as ${bsp}, not turned into a table (use FileFormat = CCSDS-OEM or STK-TimePosVel for a table)`,
      `EphemerisFile Packed is a binary file (Code-500): kept as ${path.join(runDirectory, 'Packed.oem')}, not turned into a table (use FileFormat = CCSDS-OEM or STK-TimePosVel for a table)`,
    ]);
    expect(Object.keys(outcome.output_paths).sort()).toEqual(['ephemeris__Oem', 'report__Track']);
  });
});
