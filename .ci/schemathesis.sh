#!/usr/bin/env bash
# CI: the API contract, on SQLite and on PostgreSQL. For each database: serve the app on a free port
# with a fresh database (a temporary SQLite file; a PostgreSQL database created here and dropped at the
# end), migrate, seed the demo institute and issue it API credentials through the CLI, then run
# schemathesis with all its checks against the OpenAPI document of each dialect: no server error, every
# answer (errors included) as documented, valid requests accepted, invalid ones refused, 405 with Allow.
# Operations whose domain rules no schema states are listed in .ci/schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}
PG_HOST=${PG_HOST:-127.0.0.1}

work=$(mktemp -d)
server=""
pg_database=""
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
}
cleanup() {
  stop_server
  if [ -n "$pg_database" ]; then dropdb -h "$PG_HOST" -U postgres --if-exists "$pg_database" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# contract NAME DATABASE_URL: one run of both documents against a fresh database; 1 if any check failed.
contract() {
  local name=$1 status=0
  local scratch="$work/$name"
  mkdir -p "$scratch"
  local port
  port=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export PROCTORA_URL="http://127.0.0.1:$port"
  export DATABASE_URL=$2 PROCTORA_INSTANCE_PATH="$scratch/instance" BASE_URL="$PROCTORA_URL"
  local flask="$BIN/flask --app wsgi"

  $flask db upgrade 2>/dev/null
  $flask seed-demo >/dev/null
  local credentials
  credentials=$($flask api-credentials create --institute "Proctora Demo Institute" --name schemathesis)
  read -r PROCTORA_AK PROCTORA_PRIVATE_KEY PROCTORA_EURO_TOKEN < <($BIN/python -c \
    'import json, sys; c = json.load(sys.stdin); print(c["ak"], c["private_key"], c["euro_token"])' <<<"$credentials")
  export PROCTORA_AK PROCTORA_PRIVATE_KEY PROCTORA_EURO_TOKEN

  # The rate limit is raised so that the run tests the endpoints rather than E509.
  $BIN/flask --app "webapp:create_app({'API_RATE_LIMIT': '100000 per minute'})" run --host 127.0.0.1 \
    --port "$port" --no-reload --no-debugger >"$scratch/server.log" 2>&1 &
  server=$!
  for _ in $(seq 50); do
    $BIN/python -c "import urllib.request; urllib.request.urlopen('$PROCTORA_URL/healthz')" 2>/dev/null && break
    sleep 0.2
  done

  for document in v1/openapi.json api/v1/openapi.json; do
    echo "== schemathesis $document ($name)"
    # Run from the scratch folder, where schemathesis keeps its state, rather than in the checkout.
    (cd "$scratch" && "$BIN/schemathesis" --config-file "$CONFIG" run "$PROCTORA_URL/$document" \
      --url "$PROCTORA_URL" --checks all --max-examples "$EXAMPLES" --seed 20261122 \
      --generation-database none --no-color) || status=1
  done
  stop_server
  if [ "$status" -ne 0 ]; then
    echo "== server log ($name, last 50 lines)"
    tail -n 50 "$scratch/server.log"
  fi
  return "$status"
}

export PYTHONPATH="$PWD/.ci" SCHEMATHESIS_HOOKS=schemathesis_hooks CONFIG="$PWD/.ci/schemathesis.toml"
status=0
contract sqlite "sqlite:///$work/proctora.sqlite3" || status=1
pg_database="contract_$(date +%s)_$$"
createdb -h "$PG_HOST" -U postgres "$pg_database"
contract postgresql "postgresql+psycopg://postgres@$PG_HOST/$pg_database" || status=1
exit "$status"
