"""Executes one notebook with nbclient, the engine behind `jupyter nbconvert --execute`.

Usage: python3 execute_notebook.py INPUT.ipynb OUTPUT.ipynb --cwd DIR [--kernel tslab] [--timeout SECONDS]

Writes OUTPUT even when a cell fails, so the failing cell's error can be read there, and then
exits 1 after printing one JSON line {"ok": false, "cell": N, "error": "..."} on stdout.
On success prints {"ok": true} and exits 0. Interrupted (SIGINT/SIGTERM): exits 130.
"""
import argparse
import json
import signal
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--timeout", type=int, default=-1, help="per cell, seconds; -1: none")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    nb = nbformat.read(args.input, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=None if args.timeout < 0 else args.timeout,
        resources={"metadata": {"path": args.cwd}},
        allow_errors=False,
    )
    result = {"ok": True}
    code = 0
    try:
        client.execute()
    except CellExecutionError as err:
        result = {"ok": False, "cell": failing_cell(nb), "error": summarize(err)}
        code = 1
    except (CellTimeoutError, DeadKernelError) as err:
        result = {"ok": False, "cell": failing_cell(nb), "error": f"{type(err).__name__}: {err}"}
        code = 1
    except KeyboardInterrupt:
        result = {"ok": False, "cell": failing_cell(nb), "error": "interrupted"}
        code = 130
    finally:
        nbformat.write(nb, args.output)
    print(json.dumps(result))
    return code


def failing_cell(nb) -> int | None:
    """Index (0-based, counting every cell) of the last code cell that ran."""
    last = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            last = index
    return last


def summarize(err: CellExecutionError) -> str:
    text = (getattr(err, "evalue", None) or str(err)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-3:])[:600] if lines else "error"


if __name__ == "__main__":
    sys.exit(main())
