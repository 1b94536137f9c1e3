#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine:
#   bash scripts/dev.sh app    set up, then start the application on its default database
#   bash scripts/dev.sh test   set up, then run the whole test suite (what CI runs)
#   bash scripts/dev.sh stability [N] [pytest options]   N runs in a row (default 10) of the
#                              GUI and sync tests, one core kept busy (docs/dev/testing.md)
# Setup is idempotent: system packages Qt needs, a virtualenv in .venv, the package with
# its test extras. Set XJWC_SKIP_APT=1 to skip the apt step (no root, or already done).
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt 6 / QtWebEngine runtime libraries, CJK fonts (or Chinese renders as boxes), Xvfb.
APT_PACKAGES=(fonts-noto-cjk fontconfig libegl1 libgl1 libglib2.0-0 libdbus-1-3 libnss3
  libxkbcommon0 libxkbcommon-x11-0 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1
  libxshmfence1 libgbm1 libasound2 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-image0 libfreetype6
  xvfb openbox)

need_apt() {
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || return 0
  done
  return 1
}

setup() {
  if [ "${XJWC_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null && need_apt; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "== installing system packages for Qt (needs root): ${APT_PACKAGES[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
  fi
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv with $($py --version)"
    "$py" -m venv .venv
  fi
  # Reinstall only when the declared dependencies changed.
  local stamp=.venv/.xjwc-installed
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
    echo "== installing xjwc_desktop and its test tools into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    touch "$stamp"
  fi
}

case "${1:-}" in
  app)
    shift
    setup
    exec .venv/bin/xjwc "$@"
    ;;
  test)
    shift
    setup
    export QT_QPA_PLATFORM=offscreen
    bash scripts/ensure_postgres.sh
    echo "== ruff"
    .venv/bin/ruff check .
    echo "== import-linter (the core imports no Qt)"
    .venv/bin/lint-imports
    # Two workers (XJWC_TEST_WORKERS=0: one process): tests/gui and tests/server stay
    # together on one of them, in order (tests/conftest.py), the rest spread over both.
    workers=${XJWC_TEST_WORKERS:-2}
    echo "== pytest ($workers workers)"
    if [ "$workers" = 0 ]; then
      exec .venv/bin/python -m pytest "$@"
    fi
    exec .venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@"
    ;;
  stability)
    shift
    runs=10
    if [[ "${1:-}" =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
    [ $# -gt 0 ] || set -- tests/gui tests/server
    setup
    export QT_QPA_PLATFORM=offscreen
    bash scripts/ensure_postgres.sh
    # A second process keeps one core busy all along, as CI's neighbours do.
    .venv/bin/python -c 'while True: pass' &
    busy=$!
    trap 'kill "$busy" 2>/dev/null || true' EXIT
    logs=$(mktemp -d -t xjwc-stability-XXXX)
    echo "== $runs runs of: pytest $*  (one core busy; logs in $logs)"
    for run in $(seq 1 "$runs"); do
      started=$(date +%s)
      status=0
      .venv/bin/python -m pytest -p no:cacheprovider -q "$@" >"$logs/run-$run.log" 2>&1 \
        || status=$?
      summary=$(grep -E '^=*.* (passed|failed|error)' "$logs/run-$run.log" | tail -1 | tr -d =)
      echo "run $run/$runs: ${summary:-no summary (exit $status)}  wall $(( $(date +%s) - \
started )) s  load $(cut -d' ' -f1-3 /proc/loadavg)"
      if [ "$status" != 0 ]; then
        echo "== run $run failed: $logs/run-$run.log" >&2
        exit 1
      fi
    done
    echo "== $runs runs in a row passed"
    ;;
  *)
    echo "usage: bash scripts/dev.sh app [xjwc options] | test [pytest options]" \
      "| stability [N] [pytest options]" >&2
    exit 2
    ;;
esac
