/** `gsweep run`: a grid (--grid) or explicit-row (--samples) sweep of a GMAT script. */
import type { Command } from 'commander';
import { parseGridArgs } from '../../request/grid-args';
import { UsageError } from '../errors';
import { baseRequest, runSweepCommand } from '../launch';
import { addSweepOptions, collect, type SweepCliOptions } from '../options';

export function register(program: Command): void {
  addSweepOptions(
    program
      .command('run')
      .description('run a grid (--grid) or explicit-row (--samples) sweep of a GMAT script')
      .argument('<script>', 'GMAT mission .script')
      .option('--grid <NAME=LO:HI:COUNT|NAME=v1,v2>', 'grid axis (repeatable)', collect)
      .option('--samples <file>', 'explicit rows: .csv, .parquet or .json, one run per row'),
  ).action(async (script: string, o: SweepCliOptions & { grid?: string[]; samples?: string }) => {
    if (o.grid && o.samples) throw new UsageError('give either --grid or --samples, not both');
    if (!o.grid && !o.samples) throw new UsageError('give at least one --grid NAME=LO:HI:COUNT (or --samples FILE)');
    const request = baseRequest(script, o);
    if (o.grid) request.grid = parseGridArgs(o.grid);
    else request.samples = o.samples;
    process.exitCode = await runSweepCommand(request, o);
  });
}
