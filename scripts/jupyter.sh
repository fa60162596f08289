#!/usr/bin/env bash
# npm run lab / npm run notebook: opens Jupyter on notebooks/ with this project's tslab kernel.
# Extra arguments go to Jupyter, e.g. `npm run notebook -- --no-browser --port 8899`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
frontend="${1:-lab}"; shift || true
JUPYTER_PATH="$(bash "$root/scripts/setup-jupyter.sh")${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_PATH
if [ "$frontend" = lab ] && ! jupyter lab --version >/dev/null 2>&1; then
  echo "JupyterLab is not installed (Debian 12 does not package it; elsewhere: pip install jupyterlab)." >&2
  echo "Opening the classic Notebook instead." >&2
  frontend=notebook
fi
cd "$root/notebooks"
exec jupyter "$frontend" "$@"
