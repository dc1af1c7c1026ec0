"""A gmat-sweep-style postprocess hook (hook(run_spec, outcome) -> {key: path}) for the shim test."""
from pathlib import Path

import pandas as pd


def summarise(run_spec, outcome):
    track = pd.read_parquet(outcome.output_paths["report__Track"])
    if run_spec.context.get("fail"):
        raise RuntimeError(f"run {run_spec.run_id}: told to fail")
    out = Path(run_spec.output_dir) / "final_state.parquet"
    pd.DataFrame(
        {"sma_set": [run_spec.overrides["Sat.SMA"]], "final_sma": [track["Sat.Earth.SMA"].iloc[-1]], "rows": [len(track)]}
    ).to_parquet(out)
    return {"final": out}
