"""Run a gmat-sweep 0.6 postprocess hook ("package.module:function") under gsweep.

gmat-sweep calls ``hook(run_spec, gmat_outcome)`` in its worker and takes the returned
``{key: path}`` mapping as the run's extra outputs. gsweep runs a command instead; this
shim is that command:

    gsweep run mission.script --grid ... \
        --postprocess "python3 /path/to/examples/gmat_sweep_hook.py mypackage.hooks:summarise"

It imports the hook (from the current PYTHONPATH), calls it with objects carrying the fields
gmat-sweep hooks use (``run_spec.run_id``, ``.overrides``, ``.context``, ``.output_dir``,
``.seed``; ``gmat_outcome.output_paths``, ``.solver_paths``, ``.converged``, ``.status``), and
copies every file it returns into ``$GSWEEP_EXTRA_DIR/<key><suffix>`` so gsweep turns it into
the ``extra__<key>`` table. A hook that raises, returns a non-mapping, or names a missing file
exits non-zero, which fails the run exactly as in gmat-sweep.
"""
import importlib
import json
import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace


def main(argv):
    if len(argv) != 2 or ":" not in argv[1]:
        sys.exit("usage: gmat_sweep_hook.py package.module:function")
    module_name, _, func_name = argv[1].partition(":")
    hook = getattr(importlib.import_module(module_name), func_name)
    env = os.environ
    run_dir = Path(env["GSWEEP_RUN_DIR"])
    outputs = {k: Path(v) for k, v in json.loads(env["GSWEEP_OUTPUTS"]).items()}
    run_spec = SimpleNamespace(
        run_id=int(env["GSWEEP_RUN_ID"]),
        overrides=json.loads(env["GSWEEP_OVERRIDES"]),
        context=json.loads(env["GSWEEP_CONTEXT"]),
        output_dir=run_dir,
        seed=None,
        postprocess=argv[1],
    )
    outcome = SimpleNamespace(
        run_id=run_spec.run_id,
        status="ok",
        output_paths={k: p for k, p in outputs.items() if not k.startswith("solver__")},
        solver_paths={k[len("solver__"):]: p for k, p in outputs.items() if k.startswith("solver__")},
        converged={},
    )
    produced = hook(run_spec, outcome)
    if not isinstance(produced, dict):
        sys.exit(f"postprocess hook {argv[1]} must return a mapping of key -> path, got {type(produced).__name__}")
    extra = Path(env["GSWEEP_EXTRA_DIR"])
    for key, value in produced.items():
        src = Path(value)
        if not isinstance(key, str) or not src.is_file():
            sys.exit(f"postprocess hook {argv[1]} registered output {key!r} -> {src}, but no such file exists")
        shutil.copyfile(src, extra / f"{key}{src.suffix or '.parquet'}")


if __name__ == "__main__":
    main(sys.argv)
