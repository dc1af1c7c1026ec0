// Solver results (gmat-run 0.5+ solver_runs / converged): the DifferentialCorrector's
// iteration log parsed per run, aggregated as solver__<name>.parquet, convergence in the
// manifest and separate from the run status. Real GmatConsole sweep of a targeting mission;
// read back with DuckDB and with gmat-sweep 0.6's lazy_solver_runs / lazy_solver_convergence.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../output/manifest';
import { parseSolverLog } from '../../../tables/parse/solver-log';
import { duckDbQuery } from '../../helpers/duckdb';
import { gmatSweepPython, readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { REPO_ROOT, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const FIXTURES = path.join(__dirname, 'fixtures');
const SCRIPT = path.join(REPO_ROOT, 'test', 'missions', 'targeting.script');

describe('parseSolverLog', () => {
  it('DifferentialCorrector: iterations, variables, the goal quartet, converged status (real GMAT log)', () => {
    const log = parseSolverLog(fs.readFileSync(path.join(FIXTURES, 'DifferentialCorrectorDC-converged.data'), 'utf8'), 25);
    expect(log).toMatchObject({ solverType: 'DifferentialCorrector', solverMode: 'Solve', nIterations: 7, converged: true });
    expect(log.table.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'iteration:int64',
      'TOI.Element1:double',
      'Sat.Earth.RMAG:double',
      'Sat.Earth.RMAG_desired:double',
      'Sat.Earth.RMAG_residual:double',
      'Sat.Earth.RMAG_tolerance:double',
      'status:string',
    ]);
    const col = (n: string) => log.table.columns.find((c) => c.name === n)!.values;
    expect(col('iteration')).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(col('TOI.Element1')[6]).toBe(2.330218907418864);
    expect(col('Sat.Earth.RMAG_residual')[6]).toBe(40000.02604513631 - 40000);
    expect(col('status')).toEqual(['running', 'running', 'running', 'running', 'running', 'running', 'converged']);
  });

  it('a DifferentialCorrector stopped by MaximumIterations is max_iter; without the limit known, failed', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'DifferentialCorrectorDC-max-iter.data'), 'utf8');
    expect(parseSolverLog(text, 2)).toMatchObject({ converged: false, nIterations: 2 });
    expect(parseSolverLog(text, 2).table.columns.at(-1)!.values).toEqual(['running', 'max_iter']);
    expect(parseSolverLog(text).table.columns.at(-1)!.values).toEqual(['running', 'failed']);
  });

  it('Yukon records: nominal passes only, cost and constraint residuals, the converged stamp', () => {
    const text = [
      '*** Performing Yukon Optimization',
      '*** 2 variables; 1 equality constraints; 0 inequality constraints',
      'NLP Iteration 1; Function Evaluation 1; Nominal Pass',
      '   Variables:  X1 = 0, X2 = 1',
      '   Cost Function Value: 5',
      '   Delta C1 = 0.5',
      'NLP Iteration 1; Function Evaluation 2; Perturbation Pass',
      '   Variables:  X1 = 0.001, X2 = 1',
      '   Cost Function Value: 5.1',
      'NLP Iteration 2; Function Evaluation 3; Nominal Pass',
      '   Variables:  X1 = 1, X2 = 2',
      '   Cost Function Value: 1.5',
      '   Delta C1 = 1e-9',
      '*** The Optimizer Converged!',
      '*** Optimization Completed in 2 iterations',
    ].join('\n');
    const log = parseSolverLog(text, 200);
    expect(log).toMatchObject({ solverType: 'Yukon', converged: true, nIterations: 2 });
    expect(log.table.columns.map((c) => [c.name, c.values])).toEqual([
      ['iteration', [1n, 2n]],
      ['X1', [0, 1]],
      ['X2', [1, 2]],
      ['cost', [5, 1.5]],
      ['C1_residual', [0.5, 1e-9]],
      ['status', ['running', 'converged']],
    ]);
  });

  it('refuses what it cannot read, naming the problem', () => {
    expect(() => parseSolverLog('')).toThrow('file is empty');
    expect(() => parseSolverLog('*** Some Other Solver\n')).toThrow('unrecognised solver-log header; supported solver types: DifferentialCorrector, Yukon');
    expect(() => parseSolverLog('*** Targeter Text File\nIteration 1\nVariables:\n   X = abc\n')).toThrow("iteration 1: variable 'X': non-numeric value 'abc'");
  });
});

describe('solver results of a real-GMAT targeting sweep', () => {
  const root = tempDir('gsweep-solver-');
  const out = path.join(root, 'target');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const r = await runCli(['run', SCRIPT, '--grid', 'DC.MaximumIterations=2,25', '--grid', 'GoalRadius.Value=12000,40000', '--out', out], {
      env: { GMAT_ROOT: (await realGmat()).root },
      timeoutMs: 300_000,
    });
    // Convergence is not run status: every run is ok, two targeters stopped short.
    expect(r.stderr).toContain('4/4 runs ok, 0 failed');
  }, 320_000);

  it('records converged per run in the manifest, matching what GMAT achieved', async () => {
    const { entries } = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    const finals = await duckDbQuery(`SELECT run_id, "Sat.Earth.RMAG" AS rmag FROM '${path.join(out, 'report__Final.parquet')}' ORDER BY run_id`);
    const goals = [12000, 40000, 12000, 40000];
    for (const [id, e] of entries) {
      expect(e.status).toBe('ok');
      // Relative to the out, so a moved sweep still names its own files.
      expect(e.solver_paths).toEqual({ DC: `runs/run-${id}/solver__DC.parquet` });
      expect(e.output_paths).not.toHaveProperty('solver__DC');
      const achieved = Math.abs((finals[id]!.rmag as number) - goals[id]!) <= 0.1;
      expect(e.converged).toEqual({ DC: achieved });
    }
    expect([...entries.values()].map((e) => e.converged.DC)).toEqual([false, false, true, true]);
  });

  it('aggregates solver__DC.parquet: (run_id, iteration) rows, the status column, no time column', async () => {
    const rows = await duckDbQuery(
      `SELECT run_id, count(*) AS n, max(iteration) AS last, arg_max(status, iteration) AS final FROM '${path.join(out, 'solver__DC.parquet')}' GROUP BY run_id ORDER BY run_id`,
    );
    expect(rows.map((r) => [r.run_id, r.n, r.final])).toEqual([
      [0n, 2n, 'max_iter'],
      [1n, 2n, 'max_iter'],
      [2n, 3n, 'converged'],
      [3n, 7n, 'converged'],
    ]);
    const cols = await duckDbQuery(`DESCRIBE SELECT * FROM '${path.join(out, 'solver__DC.parquet')}'`);
    expect(cols.map((c) => c.column_name)).toEqual([
      'run_id',
      'iteration',
      'TOI.Element1',
      'Sat.Earth.RMAG',
      'Sat.Earth.RMAG_desired',
      'Sat.Earth.RMAG_residual',
      'Sat.Earth.RMAG_tolerance',
      'status',
      '__status',
    ]);
  });

  it('warm mode (long-lived GmatConsoles) records the same solver tables', async () => {
    const warm = path.join(root, 'warm');
    const r = await runCli(
      ['run', SCRIPT, '--grid', 'DC.MaximumIterations=2,25', '--grid', 'GoalRadius.Value=12000,40000', '--out', warm, '--engine-mode', 'warm'],
      { env: { GMAT_ROOT: (await realGmat()).root }, timeoutMs: 300_000 },
    );
    expect(r.stderr).toContain('4/4 runs ok, 0 failed');
    const a = path.join(out, 'solver__DC.parquet');
    const b = path.join(warm, 'solver__DC.parquet');
    const diff = await duckDbQuery(`SELECT count(*) AS n FROM ((SELECT * FROM '${a}' EXCEPT ALL SELECT * FROM '${b}') UNION ALL (SELECT * FROM '${b}' EXCEPT ALL SELECT * FROM '${a}'))`);
    expect(diff[0]!.n).toBe(0n);
    expect((await duckDbQuery(`SELECT count(*) AS n FROM '${b}'`))[0]!.n).toBe(14n);
  }, 320_000);

  it("gmat-sweep 0.6's lazy_solver_runs and lazy_solver_convergence read the directory", () => {
    const seen = readWithGmatSweep(out, ['--solver', 'DC']);
    expect(seen.solver_runs.index_names).toEqual(['run_id', 'solver', 'iteration']);
    expect(seen.solver_runs.rows).toBe(14);
    expect(seen.solver_runs.status_column.filter((s: string) => s !== 'running')).toEqual(['max_iter', 'max_iter', 'converged', 'converged']);
    expect(seen.solver_convergence).toEqual({ '0:DC': false, '1:DC': false, '2:DC': true, '3:DC': true });
  });
});
