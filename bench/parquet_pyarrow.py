#!/usr/bin/env python3
"""pyarrow reference figures for gsweep's benchmarks (bench only; never used by tests).

  parquet_pyarrow.py writers big|small OUT [--rows N] [--files F]
      the 12-column aggregate table, like bench/parquet-writers.ts's children
  parquet_pyarrow.py write-table OUT --rows N [--rows-per-run R] [--batch B]
      pure write: the N-row aggregate table generated in memory batch by batch (untimed),
      written with one pq.ParquetWriter (timed)
  parquet_pyarrow.py aggregate OUTDIR OUT --runs N --key report__Track
      the fair analogue of gsweep's writeAggregate: read every per-run file
      OUTDIR/runs/run-<id>/<key>.parquet with pyarrow.dataset in run order, add run_id and
      __status, and stream one Parquet file (row groups of 65 536 rows)

Each prints one JSON line: times in ms, peak RSS (ru_maxrss) in MiB.
Values match bench/lib/table-data.ts (same formulas).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

MU = 398600.4415
STEP_S = 60
EPOCH_NS = 1773986400000 * 1_000_000  # 2026-03-20T06:00:00
INC = 51.6 * np.pi / 180
DOUBLE_COLUMNS = [
    'Sat.ElapsedSecs',
    'Sat.EarthMJ2000Eq.X',
    'Sat.EarthMJ2000Eq.Y',
    'Sat.EarthMJ2000Eq.Z',
    'Sat.EarthMJ2000Eq.VX',
    'Sat.EarthMJ2000Eq.VY',
    'Sat.EarthMJ2000Eq.VZ',
    'Sat.Earth.SMA',
]
SCHEMA = pa.schema(
    [pa.field('run_id', pa.int64(), nullable=False), pa.field('time', pa.timestamp('ns')), pa.field('Sat.UTCGregorian', pa.timestamp('ns'))]
    + [pa.field(n, pa.float64()) for n in DOUBLE_COLUMNS]
    + [pa.field('__status', pa.string())]
)
ROW_GROUP = 65_536


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_chunk(start, count, rows_per_run):
    row = np.arange(start, start + count, dtype=np.int64)
    r = row // rows_per_run
    k = row - r * rows_per_run
    t = (k * STEP_S).astype(np.float64)
    sma = 6800.0 + (r % 600)
    n = np.sqrt(MU / (sma * sma * sma))
    m = n * t + r * 0.001
    v = np.sqrt(MU / sma)
    c, s = np.cos(m), np.sin(m)
    x = sma * c
    times = pa.array(EPOCH_NS + k * STEP_S * 1_000_000_000, type=pa.timestamp('ns'))
    cols = [
        pa.array(r, type=pa.int64()),
        times,
        times,
        pa.array(t),
        pa.array(x),
        pa.array(sma * s * np.cos(INC)),
        pa.array(sma * s * np.sin(INC)),
        pa.array(-v * s),
        pa.array(v * c * np.cos(INC)),
        pa.array(v * c * np.sin(INC)),
        pa.array(sma + 1e-6 * np.sin(7 * m)),
        pa.array(['ok'] * count, type=pa.string()),
    ]
    return pa.Table.from_arrays(cols, schema=SCHEMA), int(r.sum()), float(x.sum())


def writers(mode, out, rows, files):
    baseline = peak_rss_mib()
    started = time.perf_counter()
    write_s = 0.0
    sum_run_id = 0
    sum_x = 0.0
    size = 0
    if mode == 'big':
        writer = None
        for start in range(0, rows, ROW_GROUP):
            table, s, x = make_chunk(start, min(ROW_GROUP, rows - start), 91)
            sum_run_id += s
            sum_x += x
            t0 = time.perf_counter()
            if writer is None:
                writer = pq.ParquetWriter(out, SCHEMA, compression='snappy')
            writer.write_table(table)
            write_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        writer.close()
        write_s += time.perf_counter() - t0
        size = os.path.getsize(out)
    else:
        os.makedirs(out, exist_ok=True)
        for f in range(-10, files):
            run = files + 1000 - f if f < 0 else f
            path = os.path.join(out, f'w{-f}.tmp') if f < 0 else os.path.join(out, f'run-{f}.parquet')
            t0 = time.perf_counter()
            table, s, x = make_chunk(run * 91, 91, 91)
            pq.write_table(table, path, compression='snappy')
            if f < 0:
                os.remove(path)
                continue
            write_s += time.perf_counter() - t0
            sum_run_id += s
            sum_x += x
            size += os.path.getsize(path)
    report = {
        'writer': 'pyarrow',
        'mode': mode,
        'rows': rows if mode == 'big' else files * 91,
        'files': 1 if mode == 'big' else files,
        'writeMs': write_s * 1000,
        'wallMs': (time.perf_counter() - started) * 1000,
        'maxRssMiB': peak_rss_mib(),
        'baselineRssMiB': baseline,
        'bytes': size,
        'sumRunId': sum_run_id,
        'sumX': sum_x,
        'pyarrow': pa.__version__,
    }
    if mode == 'small':
        report['perFileMs'] = report['writeMs'] / files
    print(json.dumps(report))


def write_table(out, rows, rows_per_run, batch):
    baseline = peak_rss_mib()
    started = time.perf_counter()
    write_s = 0.0
    writer = pq.ParquetWriter(out, SCHEMA, compression='snappy')
    for start in range(0, rows, batch):
        table, _, _ = make_chunk(start, min(batch, rows - start), rows_per_run)
        t0 = time.perf_counter()
        writer.write_table(table, row_group_size=ROW_GROUP)
        write_s += time.perf_counter() - t0
    t0 = time.perf_counter()
    writer.close()
    write_s += time.perf_counter() - t0
    print(json.dumps({
        'what': 'pyarrow pure write',
        'rows': rows,
        'writeMs': write_s * 1000,
        'wallMs': (time.perf_counter() - started) * 1000,
        'maxRssMiB': peak_rss_mib(),
        'baselineRssMiB': baseline,
        'bytes': os.path.getsize(out),
        'pyarrow': pa.__version__,
    }))


def aggregate(out_dir, out, runs, key, threads):
    started = time.perf_counter()
    files = [os.path.join(out_dir, 'runs', f'run-{i}', f'{key}.parquet') for i in range(runs)]
    dataset = ds.dataset(files, format='parquet')
    run_of = {f: i for i, f in enumerate(files)}
    writer = pq.ParquetWriter(out, SCHEMA, compression='snappy')
    pending = []
    pending_rows = 0
    rows = 0
    last_run = -1

    def flush():
        nonlocal pending, pending_rows
        if pending_rows:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)
        pending, pending_rows = [], 0

    # scan_batches yields (batch, fragment) in fragment order, reading ahead on threads.
    for tagged in dataset.scanner(use_threads=threads).scan_batches():
        batch = tagged.record_batch
        n = batch.num_rows
        if n == 0:
            continue
        run = run_of[tagged.fragment.path]
        if run < last_run:
            raise SystemExit(f'fragments out of order: {run} after {last_run}')
        last_run = run
        cols = [pa.array(np.full(n, run, dtype=np.int64)), batch.column('time'), batch.column('Sat.UTCGregorian')]
        cols += [batch.column(c) for c in DOUBLE_COLUMNS]
        cols.append(pa.array(['ok'] * n, type=pa.string()))
        pending.append(pa.Table.from_arrays(cols, schema=SCHEMA))
        pending_rows += n
        rows += n
        if pending_rows >= ROW_GROUP:
            flush()
    flush()
    writer.close()
    print(json.dumps({
        'what': f'pyarrow.dataset aggregate (use_threads={threads})',
        'rows': rows,
        'runs': runs,
        'wallMs': (time.perf_counter() - started) * 1000,
        'maxRssMiB': peak_rss_mib(),
        'bytes': os.path.getsize(out),
        'pyarrow': pa.__version__,
    }))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('command')
    p.add_argument('args', nargs='*')
    p.add_argument('--rows', type=int, default=1_000_000)
    p.add_argument('--files', type=int, default=200)
    p.add_argument('--rows-per-run', type=int, default=1000)
    p.add_argument('--batch', type=int, default=1 << 20)
    p.add_argument('--runs', type=int)
    p.add_argument('--key', default='report__Track')
    p.add_argument('--threads', choices=['on', 'off'], default='on')
    a = p.parse_args()
    if a.command == 'writers':
        writers(a.args[0], a.args[1], a.rows, a.files)
    elif a.command == 'write-table':
        write_table(a.args[0], a.rows, a.rows_per_run, a.batch)
    elif a.command == 'aggregate':
        aggregate(a.args[0], a.args[1], a.runs, a.key, a.threads == 'on')
    else:
        sys.exit(f'unknown command {a.command}')


if __name__ == '__main__':
    main()
