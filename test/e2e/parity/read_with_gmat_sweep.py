"""Reads a gsweep output directory with gmat-sweep 0.6's own code; prints what it saw as JSON.

Usage: python read_with_gmat_sweep.py <out> [--report NAME] [--contact NAME] [--extra NAME] [--solver any]
Run by test/parity/*.test.ts in the venv test/helpers/gmat-sweep-venv.ts creates.
"""
import json
import math
import sys
from pathlib import Path

import gmat_sweep
import pandas as pd
from gmat_sweep import Manifest
from gmat_sweep.aggregate import lazy_contacts, lazy_extra_outputs, lazy_multiindex, lazy_solver_convergence, lazy_solver_runs


def plain(v):
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return plain(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def frame(df):
    return {
        "index_names": list(df.index.names),
        "columns": [str(c) for c in df.columns],
        "rows": len(df),
        "index": [[plain(x) for x in (i if isinstance(i, tuple) else (i,))] for i in df.index],
        "statuses": [plain(x) for x in df["__status"]] if "__status" in df.columns else None,
    }


out = Path(sys.argv[1])
args = sys.argv[2:]
manifest = Manifest.load(out / "manifest.jsonl")
result = {
    "gmat_sweep_version": gmat_sweep.__version__,
    "header": {
        "postprocess": manifest.postprocess,
        "run_count": manifest.run_count,
        "backend": manifest.backend,
        "schema_version": manifest.schema_version,
        "parameter_spec": manifest.parameter_spec,
    },
    "entries": [
        {
            "run_id": e.run_id,
            "status": e.status,
            "overrides": e.overrides,
            "context": e.context,
            "output_paths": sorted(e.output_paths),
            "extra_outputs": sorted(e.extra_outputs),
            "solver_paths": sorted(e.solver_paths),
            "converged": e.converged,
            "postprocess_status": e.postprocess_status,
            "started_at": e.started_at.isoformat(),
        }
        for e in manifest.entries
    ],
}
while args:
    flag, name = args[0], args[1]
    args = args[2:]
    if flag == "--report":
        result["report__" + name] = frame(lazy_multiindex(manifest, out, name=name))
    elif flag == "--contact":
        result["contact__" + name] = frame(lazy_contacts(manifest, out, name=name))
    elif flag == "--extra":
        result["extra__" + name] = frame(lazy_extra_outputs(out / "manifest.jsonl", name))
    elif flag == "--solver":
        runs = lazy_solver_runs(out / "manifest.jsonl")
        result["solver_runs"] = frame(runs)
        result["solver_runs"]["status_column"] = [plain(x) for x in runs["status"]]
        conv = lazy_solver_convergence(out / "manifest.jsonl")
        result["solver_convergence"] = {f"{r}:{s}": bool(v) for (r, s), v in conv["converged"].items()}
print(json.dumps(result))
