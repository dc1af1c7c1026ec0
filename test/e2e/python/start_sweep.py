"""Starts a gsweep sweep from Python, as a notebook does: Temporal's Python SDK starts the
TypeScript sweep workflow by its name with a plain JSON request, waits for it, and pandas reads
the aggregate table.

    python start_sweep.py ADDRESS TASK_QUEUE WORKFLOW_ID REQUEST.json

Prints one JSON line: the counts pandas sees, or gsweep's message when the sweep failed (exit 1).
"""
import asyncio
import json
import os
import sys

import pandas as pd
from temporalio.client import Client, WorkflowFailureError


async def main(address: str, task_queue: str, workflow_id: str, request: dict) -> int:
    client = await Client.connect(address)
    try:
        summary = await client.execute_workflow("sweepWorkflow", request, id=workflow_id, task_queue=task_queue)
    except WorkflowFailureError as err:
        print(json.dumps({"status": "failed", "type": err.cause.type, "message": err.cause.message}))
        return 1
    track = pd.read_parquet(summary["tables"]["report__Track"])
    print(json.dumps({
        "status": "completed",
        "sweep_id": summary["sweepId"],
        "ok": summary["ok"],
        "failed": summary["failed"],
        "rows": len(track),
        "runs": int(track["run_id"].nunique()),
        "run_ids": sorted(int(i) for i in track["run_id"].unique()),
        "columns": list(track.columns),
    }))
    return 0


if __name__ == "__main__":
    address, task_queue, workflow_id, request_file = sys.argv[1:5]
    with open(request_file, encoding="utf-8") as f:
        code = asyncio.run(main(address, task_queue, workflow_id, json.load(f)))
    # The Python SDK's client runs on Rust threads that can outlive the event loop and abort
    # the interpreter's finalization of a short-lived process ("PyGILState_Release: thread
    # state ... must be current"); a script leaves without finalizing, a notebook never does.
    sys.stdout.flush()
    os._exit(code)
