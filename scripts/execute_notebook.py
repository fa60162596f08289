"""Executes one notebook with nbclient, the engine behind `jupyter nbconvert --execute`.

Usage: python3 execute_notebook.py INPUT.ipynb OUTPUT.ipynb --cwd DIR [--kernel tslab] [--timeout SECONDS]

Writes OUTPUT even when a cell fails, so the failing cell's error can be read there, and then
exits 1 after printing one JSON line {"ok": false, "cell": N, "line": L, "source": "...", "error": "..."}
on stdout (`line`, 1-based in the cell, and `source`, that line, where the error tells which line failed;
else `source` is the cell's first code line).
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
        source = nb.cells[result["cell"]].source.splitlines()
        line = failing_line(source, cell_stderr(nb, result["cell"]))
        if line is not None:
            result["line"] = line + 1
            result["source"] = source[line].strip()[:80]
        else:
            code = [text.strip() for text in source if is_code(text)]
            result["source"] = (code[0] if code else "")[:80]
    print(json.dumps(result))
    return code


def failing_cell(nb) -> int | None:
    """Index (0-based, counting every cell) of the last code cell that started.

    nbclient stamps a cell's metadata when the kernel starts it; a cell whose kernel died or timed
    out never gets an execution count, so the count alone would name the cell before it."""
    last = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("execution_count") is not None or cell.get("metadata", {}).get("execution")):
            last = index
    return last


def cell_stderr(nb, index) -> str:
    """What the cell printed as an error: tslab reports errors on stderr, not in the reply's evalue."""
    outputs = nb.cells[index].get("outputs", [])
    return "".join(
        "".join(o.get("text", "")) if o.get("output_type") == "stream" and o.get("name") == "stderr"
        else "\n".join(o.get("traceback", [])) if o.get("output_type") == "error" else ""
        for o in outputs
    )


def is_code(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("//")


def failing_line(source: list[str], stderr: str) -> int | None:
    """The 0-based line of the cell that failed, where the error tells.

    A compile error comes as `LINE:COLUMN - message`, in the cell's own lines. A runtime error's
    stack gives lines of the JavaScript tslab compiled the cell into, which do not match the
    cell's, so the line is found by what it calls: the frame just above the cell's own frame
    (`evalmachine.<anonymous>`) names the function that threw, and the failing line is the first
    code line that calls it; an error thrown by the cell itself is its `throw` line, when it has one.
    """
    for text in stderr.splitlines():
        compiled = re.match(r"^(\d+):(\d+) - ", text.strip())
        if compiled and 0 < int(compiled.group(1)) <= len(source):
            return int(compiled.group(1)) - 1
    frames = [text.strip() for text in stderr.splitlines() if text.strip().startswith("at ")]
    in_cell = next((i for i, frame in enumerate(frames) if "evalmachine.<anonymous>" in frame), None)
    if in_cell is None:
        return None
    code = [i for i, text in enumerate(source) if is_code(text)]
    if in_cell == 0:
        throws = [i for i in code if re.search(r"\bthrow\b", source[i])]
        return throws[0] if len(throws) == 1 else None
    callee = re.match(r"^at (?:async )?(?:new )?([\w$.<>\[\] ]+?) \(", frames[in_cell - 1])
    if not callee:
        return None
    name = callee.group(1).split(".")[-1].strip()
    if not re.fullmatch(r"[\w$]+", name) or name == "<anonymous>":
        return None
    calls = [i for i in code if re.search(r"(?<![\w$])" + re.escape(name) + r"\s*[(<]", source[i])]
    return calls[0] if calls else None


def cell_error(nb, index) -> str | None:
    """The error the cell printed, its first line that names an error."""
    if index is None:
        return None
    text = cell_stderr(nb, index)
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
