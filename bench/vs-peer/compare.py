"""Checks that gsweep's aggregate table holds gmat-sweep's DataFrame (bench/vs-peer).

argv: GSWEEP_PARQUET GMAT_SWEEP_FRAME_PARQUET [RTOL]
Every column of gmat-sweep's frame must be in gsweep's table with the same rows in
(run_id, time) order: numbers within rtol (default 1e-9, atol 0), timestamps equal to the
microsecond, text equal. Prints one JSON line; exit 1 on any difference.
"""
import json
import sys

import numpy as np
import pandas as pd

ours_path, peer_path = sys.argv[1], sys.argv[2]
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-9
ours = pd.read_parquet(ours_path)
peer = pd.read_parquet(peer_path)
problems = []
if "__status" in ours.columns:
    bad = ours[ours["__status"] != "ok"]
    if len(bad):
        problems.append(f"gsweep has {len(bad)} non-ok rows")
ours = ours.sort_values(["run_id", "time"], kind="stable").reset_index(drop=True)
peer = peer.sort_values(["run_id", "time"], kind="stable").reset_index(drop=True)
if len(ours) != len(peer):
    problems.append(f"row count: gsweep {len(ours)}, gmat-sweep {len(peer)}")
compared = []
missing = [c for c in peer.columns if c not in ours.columns]
if missing:
    problems.append(f"columns missing in gsweep: {missing}")
if not problems:
    for col in peer.columns:
        a, b = ours[col], peer[col]
        if pd.api.types.is_datetime64_any_dtype(b) or pd.api.types.is_datetime64_any_dtype(a):
            da = pd.to_datetime(a).dt.tz_localize(None) if getattr(pd.to_datetime(a).dt, "tz", None) else pd.to_datetime(a)
            db = pd.to_datetime(b).dt.tz_localize(None) if getattr(pd.to_datetime(b).dt, "tz", None) else pd.to_datetime(b)
            diff = (da.astype("datetime64[us]") != db.astype("datetime64[us]")).sum()
            if diff:
                problems.append(f"{col}: {diff} timestamps differ")
        elif pd.api.types.is_numeric_dtype(b):
            ok = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=rtol, atol=0.0, equal_nan=True)
            if not ok.all():
                i = int(np.argmin(ok))
                problems.append(f"{col}: {int((~ok).sum())} values differ beyond rtol {rtol}, first at row {i}: {a.iloc[i]!r} vs {b.iloc[i]!r}")
        else:
            if not (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all():
                problems.append(f"{col}: text differs")
        compared.append(col)
print(json.dumps({"equal": not problems, "rows": len(peer), "columns": compared, "problems": problems}))
sys.exit(0 if not problems else 1)
