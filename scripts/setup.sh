#!/usr/bin/env bash
# Set up everything this project needs on Debian/Ubuntu: system packages, a Python
# 3.12+ virtual environment with the locked dependencies, the database schema and the
# compiled translations. Safe to run again: each step skips what is already done.
#   scripts/setup.sh run    for serving the app (default)
#   scripts/setup.sh test   also installs what the test suite needs (Chromium, poppler, zbar)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"

APT_PACKAGES=(gettext fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
              libffi-dev shared-mime-info)
if [[ "$MODE" == "test" ]]; then
  APT_PACKAGES+=(chromium poppler-utils zbar-tools)
  command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> Installing system packages: ${missing[*]}"
  SUDO=""
  [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

find_python() {
  local candidates=(python3.13 python3.12 python3)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  # pyenv installs versions that its shims only expose when selected.
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.1[3-9]|^3\.12' | sort -rV); do
      if [[ -x "$root/versions/$v/bin/python3" ]]; then echo "$root/versions/$v/bin/python3"; return 0; fi
    done
  fi
  return 1
}

if [[ ! -x .venv/bin/python ]]; then
  if ! PYTHON="$(find_python)"; then
    echo "ERROR: Python 3.12 or newer is required (Django 6.1). Install python3.13 or python3.12 and try again." >&2
    exit 1
  fi
  echo "==> Creating the virtual environment with $PYTHON"
  "$PYTHON" -m venv .venv
fi
echo "==> Installing Python dependencies (requirements.lock)"
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock

echo "==> Compiling translations"
.venv/bin/python manage.py compilemessages --ignore=.venv -v0

if [[ "$MODE" == "test" ]]; then
  echo "==> Installing the browser tests' tools (axe-core, npm registry)"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

if [[ "$MODE" == "run" ]]; then
  echo "==> Migrating the database"
  .venv/bin/python manage.py migrate -v0
  .venv/bin/python manage.py seed_demo --if-empty
fi
