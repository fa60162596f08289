#!/usr/bin/env bash
# Makes Jupyter and the tslab kernel available to this project.
#  - Jupyter (notebook, nbconvert, nbclient, jupyter_client): installed from Debian's packages when
#    missing and apt-get is usable (root); elsewhere it says what to install.
#  - The tslab kernel: registered under .jupyter/ in the project (not in the user's own Jupyter),
#    pointing at this project's node_modules/.bin/tslab. Use it with JUPYTER_PATH=$PWD/.jupyter/share/jupyter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

have_jupyter() {
  command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1 &&
    python3_for_jupyter -c 'import nbclient, jupyter_client' >/dev/null 2>&1
}
python3_for_jupyter() { "$(jupyter_python)" "$@"; }
jupyter_python() {
  # The interpreter that runs the `jupyter` command (Debian's /usr/bin/python3 here).
  local shebang
  shebang="$(head -n1 "$(command -v jupyter)" 2>/dev/null | sed -e 's/^#! *//' -e 's/ .*//')"
  if [ -x "$shebang" ]; then echo "$shebang"; else echo python3; fi
}

if ! have_jupyter; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup-jupyter: installing Jupyter from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-client python3-ipykernel >/dev/null
  else
    cat >&2 <<'MSG'
setup-jupyter: Jupyter is missing. Install it, then re-run:
  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-client
  elsewhere:     pip install notebook nbconvert nbclient   (or: pip install jupyterlab)
MSG
    exit 1
  fi
fi

prefix="$root/.jupyter"
tslab_bin="$root/node_modules/.bin/tslab"
[ -x "$tslab_bin" ] || { echo "setup-jupyter: $tslab_bin is missing: run npm install first" >&2; exit 1; }
"$tslab_bin" install --python="$(jupyter_python)" --binary="$tslab_bin" --prefix "$prefix" >/dev/null
echo "$prefix/share/jupyter"
