#!/usr/bin/env bash
# Two workers and two servers on one Redis, serving the demo agent (no --agent):
# a run started on server A is read back, from its first event, on server B;
# then everything stops. Needs `pip install 'rxagent[redis,web]'`, curl, and a
# Redis at $REDIS_URL (`redis-server` starts one on port 6379).
set -eu
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
A=http://127.0.0.1:${PORT_A:-8123}
B=http://127.0.0.1:${PORT_B:-8124}

workers=$(mktemp) headers=$(mktemp)
rxagent worker --redis "$REDIS_URL" --concurrency 8 >>"$workers" &
rxagent worker --redis "$REDIS_URL" >>"$workers" &
rxagent serve --redis "$REDIS_URL" --port "${PORT_A:-8123}" &
rxagent serve --redis "$REDIS_URL" --port "${PORT_B:-8124}" &
# on exit: SIGTERM to all four (workers let runs finish within --grace)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -f "$workers" "$headers"' EXIT
for server in "$A" "$B"; do
  until curl -sf "$server/ok" >/dev/null; do sleep 0.2; done
done
# each worker says "rxagent worker: <name> serving agent" once it takes runs
until [ "$(grep -c ' serving ' "$workers")" -ge 2 ]; do sleep 0.2; done
cat "$workers"

# 1. Start a run on A; stop reading at its first update (the run goes on:
#    on_disconnect defaults to "continue"). Its Location header is where
#    any server streams it.
curl -sN -D "$headers" "$A/threads/$(date +%s)-$$/runs/stream" \
  -H 'Content-Type: application/json' \
  -d '{"assistant_id": "agent", "if_not_exists": "create",
       "stream_mode": "updates", "input": {"messages": [
         {"role": "user", "content": "Summarise the records"}]}}' \
  | sed -n '/^event:/{p;/updates/q;}' | sed 's/^/A: /'
run=$(grep -i '^location:' "$headers" | cut -d' ' -f2 | tr -d '\r')

# 2. Read the same run on B from its first event (Last-Event-ID: -1) to its end.
curl -sN "$B$run" -H 'Last-Event-ID: -1' | grep '^event:' | sed 's/^/B: /'

# 3. Its record, on B: "status": "success".
curl -s "$B${run%/stream}" | grep -o '"status": *"[a-z]*"'
