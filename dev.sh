#!/usr/bin/env bash
# One entry point for developers and CI.
#   ./dev.sh lab    set everything up, then open JupyterLab on the demo notebook (registry in notebooks/.modelbox)
#   ./dev.sh test   set everything up, then run every test (lint, Python, TypeScript, browser)
#   ./dev.sh setup  only set up
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
VENV=$ROOT/.venv
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

setup_python() {
  if [[ ! -x $VENV/bin/python ]]; then
    echo "== creating $VENV"
    "$PY" -m venv "$VENV"
  fi
  echo "== installing Python dependencies"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -m pip install --quiet -e ".[test,dev,lab]" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import jupyter_modelbox" # fail here, clearly, if the install did not work
}

run_tests() {
  echo "== ruff"
  "$VENV/bin/ruff" check jupyter_modelbox tests benchmarks
  echo "== pytest"
  "$VENV/bin/python" -m pytest
}

open_lab() {
  export MODELBOX_ROOT=$ROOT/notebooks/.modelbox
  local args=()
  [[ $(id -u) == 0 ]] && args+=(--allow-root)
  exec "$VENV/bin/jupyter" lab "${args[@]}" --notebook-dir="$ROOT/notebooks" "$ROOT/notebooks/quickstart.ipynb"
}

case ${1:-} in
  setup) setup_python ;;
  test) setup_python; run_tests ;;
  lab) setup_python; open_lab ;;
  *) echo "usage: ./dev.sh lab | test | setup" >&2; exit 2 ;;
esac
