#!/usr/bin/env bash
# One entry point for developers and CI.
#   ./dev.sh lab    set everything up, then open JupyterLab on the demo notebook (registry in notebooks/.modelbox)
#   ./dev.sh test   set everything up, then run every test (lint, Python, TypeScript, browser)
#   ./dev.sh team   set everything up, then a local PostgreSQL, SeaweedFS and two JupyterLab servers sharing one registry
#   ./dev.sh setup  only set up
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
VENV=$ROOT/.venv
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

pip_install() {
  # the machine's pip config names a local mirror that may be absent: keep that noise out of the log
  "$VENV/bin/python" -m pip install --quiet "$@" 2> >(grep -v "^WARNING: Location" >&2)
}

setup() {
  if [[ ! -x $VENV/bin/python ]]; then
    echo "== creating $VENV"
    "$PY" -m venv "$VENV"
  fi
  echo "== Python build tools"
  pip_install --upgrade pip "jupyter-builder>=1.2,<2"
  build_labextension
  echo "== Python package and dependencies (editable)"
  # dev.sh built the labextension above; the package build must not run npm again
  SKIP_JUPYTER_BUILDER=1 pip_install -e ".[test,dev,lab,grpc,postgres,s3]"
  "$VENV/bin/jupyter-builder" develop --overwrite . >/dev/null  # the installed labextension follows rebuilds
}

build_labextension() {
  local out=$ROOT/jupyter_modelbox/labextension/package.json
  local drop_zone=$ROOT/jupyter_modelbox/widgets/static/drop_zone.js
  cd "$ROOT/labextension"
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "== npm ci (labextension)"
    npm ci --no-audit --no-fund
  fi
  if [[ ! -f $out || ! -f $drop_zone || -n $(find src style package.json tsconfig.json -newer "$out" -print -quit) ]]; then
    echo "== building the labextension and the notebook drop zone's module"
    PATH=$VENV/bin:$PATH npm run build:prod
  fi
  cd "$ROOT"
}

apt_install() {
  # apt_install PACKAGE WHY: Debian's package, installed as root (CI), or a hint for a developer
  if [[ $(id -u) == 0 ]]; then
    echo "== installing $1 (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    echo "$2 need Debian's $1: sudo apt-get install -y $1" >&2
    exit 1
  fi
}

ensure_chromium() {
  # browser tests drive Debian's Chromium (never a downloaded one)
  [[ -x /usr/lib/chromium/chromium ]] || apt_install chromium "browser tests"
}

ensure_postgresql() {
  # the PostgreSQL tests start a throwaway cluster of Debian's server (never a downloaded one)
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || apt_install postgresql "the PostgreSQL tests"
}

run_tests() {
  ensure_chromium
  ensure_postgresql
  echo "== ruff"
  "$VENV/bin/ruff" check jupyter_modelbox tests benchmarks scripts
  echo "== mypy (api, client, registry; see pyproject.toml)"
  "$VENV/bin/mypy"
  echo "== import contracts (the layers; see pyproject.toml)"
  "$VENV/bin/lint-imports" --no-cache
  echo "== TypeScript API types (generated from the OpenAPI document)"
  (cd labextension && PYTHON=$VENV/bin/python npm run --silent check:api)
  echo "== TypeScript tests (jest)"
  (cd labextension && npm test --silent)
  echo "== pytest"
  # two workers, each with its own servers, ports and temp dirs; worksteal evens out the end of the run
  "$VENV/bin/python" -m pytest -n 2 --dist worksteal --durations=25
}

open_lab() {
  export MODELBOX_ROOT=$ROOT/notebooks/.modelbox
  local args=()
  [[ $(id -u) == 0 ]] && args+=(--allow-root)
  exec "$VENV/bin/jupyter" lab "${args[@]}" --notebook-dir="$ROOT/notebooks" "$ROOT/notebooks/quickstart.ipynb"
}

case ${1:-} in
  setup) setup ;;
  test) setup; run_tests ;;
  lab) setup; open_lab ;;
  team) setup; ensure_postgresql; exec "$ROOT/scripts/team.sh" ;;
  *) echo "usage: ./dev.sh lab | test | team | setup" >&2; exit 2 ;;
esac
