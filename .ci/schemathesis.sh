#!/usr/bin/env bash
# CI: the API contract. Serve the app on a free port with a temporary SQLite database, migrate, seed the
# demo institute and issue it API credentials through the CLI, then run schemathesis against the
# OpenAPI document of each dialect: no server error, and every answer, errors included, as documented.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PROCTORA_URL="http://127.0.0.1:$port"
export DATABASE_URL="sqlite:///$work/proctora.sqlite3" PROCTORA_INSTANCE_PATH="$work/instance" BASE_URL="$PROCTORA_URL"
FLASK="$BIN/flask --app wsgi"

$FLASK db upgrade
$FLASK seed-demo >/dev/null
credentials=$($FLASK api-credentials create --institute "Proctora Demo Institute" --name schemathesis)
read -r PROCTORA_AK PROCTORA_PRIVATE_KEY PROCTORA_EURO_TOKEN < <($BIN/python -c \
  'import json, sys; c = json.load(sys.stdin); print(c["ak"], c["private_key"], c["euro_token"])' <<<"$credentials")
export PROCTORA_AK PROCTORA_PRIVATE_KEY PROCTORA_EURO_TOKEN

# The rate limit is raised so that the run tests the endpoints rather than E509.
$BIN/flask --app "webapp:create_app({'API_RATE_LIMIT': '100000 per minute'})" run --host 127.0.0.1 --port "$port" \
  --no-reload --no-debugger >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  $BIN/python -c "import urllib.request; urllib.request.urlopen('$PROCTORA_URL/healthz')" 2>/dev/null && break
  sleep 0.2
done

export PYTHONPATH="$PWD/.ci" SCHEMATHESIS_HOOKS=schemathesis_hooks
status=0
for document in v1/openapi.json api/v1/openapi.json; do
  echo "== schemathesis $document"
  # Run from the scratch folder, where schemathesis keeps its state, rather than in the checkout.
  (cd "$work" && "$BIN/schemathesis" run "$PROCTORA_URL/$document" --url "$PROCTORA_URL" \
    --checks not_a_server_error,response_schema_conformance --max-examples "$EXAMPLES" --seed 20261122 \
    --generation-database none --no-color) || status=1
done
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)"
  tail -n 50 "$work/server.log"
fi
exit "$status"
