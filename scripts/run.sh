#!/usr/bin/env bash
# Set everything up and serve the app with its demo city at http://127.0.0.1:8000
# (SQLite by default; set DATABASE_URL for PostgreSQL). A background task worker runs
# beside the web server and stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/python manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "==> Serving at http://127.0.0.1:8000 (task worker log: var/worker.log)"
.venv/bin/python manage.py runserver 127.0.0.1:8000
