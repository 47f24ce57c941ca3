#!/usr/bin/env bash
# Run a command inside this checkout's virtual environment (.venv), creating it and installing
# gitml with the given extra first. Works where the system Python refuses `pip install`
# (PEP 668, "externally-managed-environment": Debian, Ubuntu).
#   bash scripts/venv.sh EXTRA COMMAND...     e.g.  bash scripts/venv.sh test python -m pytest -q
# GITML_VENV overrides the folder; GITML_PYTHON the interpreter that creates it (python3).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bash scripts/venv.sh EXTRA COMMAND..." >&2; exit 2; }
extra=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${GITML_VENV:-$top/.venv}
python=${GITML_PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found: install Python 3.11 or newer (Debian/Ubuntu: apt install python3 python3-venv)" >&2
  exit 2
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: gitml needs Python 3.11 or newer; $python is $("$python" -V 2>&1)" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" >/dev/null 2>"$venv.err"; then
    rm -rf "$venv"
    echo "error: '$python -m venv' failed: $(tail -n 1 "$venv.err")" >&2
    echo "hint: on Debian or Ubuntu install it with: apt install python3-venv (or python3.11-venv)" >&2
    rm -f "$venv.err"
    exit 2
  fi
  rm -f "$venv.err"
fi
# Install (or refresh) this checkout with the extra; quiet unless it fails.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$top[$extra]"
# Commands and stage cmds ('python3 src/train.py') find the environment's interpreter first.
export VIRTUAL_ENV=$venv
export PATH="$venv/bin:$PATH"
exec "$@"
