#!/usr/bin/env bash
# A team registry on one machine (./dev.sh team runs this after setting up): a local PostgreSQL and two
# JupyterLab servers on two ports sharing one registry, so a model created in one appears live in the
# other's side panel. Ctrl-C (or SIGTERM) stops both servers and the database; the data stays in
# $MODELBOX_TEAM_DIR for the next run (delete the folder to start over).
#   MODELBOX_TEAM_DIR      the cluster, its socket and the artifact bytes (default /tmp/jupyter-modelbox-team)
#   MODELBOX_TEAM_PG_PORT  PostgreSQL's port, on its unix socket only (default 54329)
#   MODELBOX_TEAM_PORTS    the two JupyterLab ports (default "8888 8889"), on 127.0.0.1
#   MODELBOX_TEAM_TOKEN    their token (default: a new random one)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
DIR=${MODELBOX_TEAM_DIR:-/tmp/jupyter-modelbox-team}
PG_PORT=${MODELBOX_TEAM_PG_PORT:-54329}
read -r -a PORTS <<<"${MODELBOX_TEAM_PORTS:-8888 8889}"
TOKEN=${MODELBOX_TEAM_TOKEN:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))')}
BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
[[ -n $BIN ]] || { echo "team: PostgreSQL is not installed (./dev.sh team installs Debian's postgresql)" >&2; exit 1; }

as_postgres() {  # initdb and pg_ctl refuse to run as root
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$DIR/pg" "$DIR/blobs"
if [[ $(id -u) == 0 ]]; then
  chown postgres:postgres "$DIR/pg"
  runuser -u postgres -- test -w "$DIR/pg" || {
    echo "team: the postgres user cannot reach $DIR/pg: set MODELBOX_TEAM_DIR to a folder whose parents it may enter" >&2
    exit 1; }
fi
if [[ ! -f $DIR/pg/data/PG_VERSION ]]; then
  echo "== creating a PostgreSQL cluster in $DIR/pg/data"
  # trust on the unix socket only: nothing listens on TCP (listen_addresses='')
  as_postgres "$BIN/initdb" -D "$DIR/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
fi
SERVERS=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${SERVERS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  as_postgres "$BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  echo "== stopped both servers and the database (data kept in $DIR)"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
echo "== starting PostgreSQL (socket $DIR/pg, port $PG_PORT)"
as_postgres "$BIN/pg_ctl" -D "$DIR/pg/data" -w -t 60 -l "$DIR/pg/server.log" \
  -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=''" start >/dev/null
if [[ -z $("$BIN/psql" -h "$DIR/pg" -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'registry'") ]]; then
  "$BIN/createdb" -h "$DIR/pg" -p "$PG_PORT" -U postgres registry
fi
URL="postgresql://postgres@/registry?host=$DIR/pg&port=$PG_PORT"

args=(--no-browser --ip=127.0.0.1 --ServerApp.port_retries=0 "--IdentityProvider.token=$TOKEN"
      "--ServerApp.root_dir=$ROOT/notebooks" "--ModelboxApp.database_url=$URL" "--ModelboxApp.blob_root=$DIR/blobs")
[[ $(id -u) == 0 ]] && args+=(--allow-root)
for port in "${PORTS[@]}"; do
  echo "== starting JupyterLab on port $port (log: $DIR/lab-$port.log)"
  JUPYTER_RUNTIME_DIR="$DIR/runtime-$port" "$VENV/bin/jupyter" lab "${args[@]}" "--port=$port" \
    >"$DIR/lab-$port.log" 2>&1 &
  SERVERS+=($!)
done
for port in "${PORTS[@]}"; do  # wait (bounded) until each serves the registry
  for _ in $(seq 600); do
    curl -sf -o /dev/null -H "Authorization: token $TOKEN" "http://127.0.0.1:$port/modelbox/api/info" && break
    sleep 0.2
  done
  curl -sf -o /dev/null -H "Authorization: token $TOKEN" "http://127.0.0.1:$port/modelbox/api/info" || {
    echo "team: JupyterLab on port $port did not start; its log:" >&2; tail -20 "$DIR/lab-$port.log" >&2; exit 1; }
done
echo "Team registry: postgresql://postgres@[$DIR/pg]:$PG_PORT/registry, artifact bytes in $DIR/blobs"
echo "  first  JupyterLab: http://127.0.0.1:${PORTS[0]}/lab?token=$TOKEN"
echo "  second JupyterLab: http://127.0.0.1:${PORTS[1]}/lab?token=$TOKEN"
echo "Open both, create a model in one: it appears in the other's side panel. Ctrl-C stops everything."
wait -n "${SERVERS[@]}"
