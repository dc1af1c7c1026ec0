"""gmat-sweep 0.6 side of bench/vs-peer: one sweep, as a user would call it.

argv: SCRIPT GRID_JSON SLOTS reuse|fresh OUT [FRAME_PARQUET]
GRID_JSON holds {"Sat.SMA": [...]} with the exact values gsweep sweeps (shortest round-trip
decimal, so both tools see the same doubles). FRAME_PARQUET, when given, receives the returned
DataFrame (index reset) after the sweep's own time has been taken.
"""
import json
import sys
import time

t0 = time.perf_counter()
from gmat_sweep import sweep  # noqa: E402
from gmat_sweep.backends import LocalJoblibPool  # noqa: E402

script, grid_json, slots, mode, out = sys.argv[1:6]
frame_path = sys.argv[6] if len(sys.argv) > 6 else None
with open(grid_json) as f:
    grid = json.load(f)

t1 = time.perf_counter()
frame = sweep(
    script,
    grid=grid,
    backend=LocalJoblibPool(max_workers=int(slots), reuse_gmat_context=(mode == "reuse")),
    out=out,
    progress=False,
)
t2 = time.perf_counter()
if frame_path:
    frame.reset_index().to_parquet(frame_path)
print(json.dumps({"import_s": t1 - t0, "sweep_s": t2 - t1, "rows": int(len(frame))}))
