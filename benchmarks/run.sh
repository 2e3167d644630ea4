#!/usr/bin/env bash
# Benchmarks jupyter_modelbox against MLflow, side by side: bash benchmarks/run.sh [--rest | --pg] [--quick]
# MLflow goes into its own venv (benchmarks/.venv-mlflow), never into the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
PEER=benchmarks/.venv-mlflow

[[ -x .venv/bin/python ]] || ./dev.sh setup
if ! "$PEER/bin/python" -c "import mlflow, psycopg2" 2>/dev/null; then
  echo "== installing mlflow (and psycopg2, its PostgreSQL driver for --pg) into $PEER"
  [[ -x $PEER/bin/python ]] || "$PY" -m venv "$PEER"
  "$PEER/bin/python" -m pip install --quiet "mlflow>=3,<4" "psycopg2-binary>=2.9,<3" 2>&1 | grep -v "^WARNING: Location" || true
  "$PEER/bin/python" -c "import mlflow, psycopg2" # fail here, clearly, if the install did not work
fi
if [[ ${1:-} == --pg ]]; then
  shift
  exec .venv/bin/python -m benchmarks.bench_team_pg "$@"  # the team registry: both on one PostgreSQL
fi
exec .venv/bin/python -m benchmarks.run "$@"
