"""Executes one notebook with nbclient, the engine behind `jupyter nbconvert --execute`.

Usage: python3 execute_notebook.py INPUT.ipynb OUTPUT.ipynb --cwd DIR [--kernel tslab] [--timeout SECONDS]

Writes OUTPUT even when a cell fails, so the failing cell's error can be read there, and then
exits 1 after printing one JSON line {"ok": false, "cell": N, "error": "..."} on stdout.
On success prints {"ok": true} and exits 0. Interrupted (SIGINT/SIGTERM): exits 130.
"""
import argparse
import json
import re
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
        cell = failing_cell(nb)
        result = {"ok": False, "cell": cell, "error": cell_error(nb, cell) or summarize(err)}
        code = 1
    except (CellTimeoutError, DeadKernelError) as err:
        result = {"ok": False, "cell": failing_cell(nb), "error": f"{type(err).__name__}: {err}"}
        code = 1
    except KeyboardInterrupt:
        result = {"ok": False, "cell": failing_cell(nb), "error": "interrupted"}
        code = 130
    finally:
        nbformat.write(nb, args.output)
    if not result["ok"] and result.get("cell") is not None:
        source = [line.strip() for line in nb.cells[result["cell"]].source.splitlines()]
        code = [line for line in source if line and not line.startswith("//")]
        result["source"] = (code[0] if code else "")[:80]
    print(json.dumps(result))
    return code


def failing_cell(nb) -> int | None:
    """Index (0-based, counting every cell) of the last code cell that ran."""
    last = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            last = index
    return last


def cell_error(nb, index) -> str | None:
    """The error the cell printed: tslab reports errors on stderr, not in the reply's evalue."""
    if index is None:
        return None
    outputs = nb.cells[index].get("outputs", [])
    text = "".join(
        "".join(o.get("text", "")) if o.get("output_type") == "stream" and o.get("name") == "stderr"
        else "\n".join(o.get("traceback", [])) if o.get("output_type") == "error" else ""
        for o in outputs
    )
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("at ")]
    errors = [line for line in lines if re.match(r"^(\w*Error|Uncaught|\w+Exception)\b", line)]
    chosen = errors[0] if errors else (lines[0] if lines else None)
    return chosen[:600] if chosen else None


def summarize(err: CellExecutionError) -> str:
    text = (getattr(err, "evalue", None) or str(err)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-3:])[:600] if lines else "error"


if __name__ == "__main__":
    sys.exit(main())
