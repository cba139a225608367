#!/usr/bin/env bash
# System packages for a fresh Debian machine: Python venv, Node/npm (front-end assets),
# Chromium + ChromeDriver (browser tests, screenshots), Noto CJK fonts (Chinese in Chromium) and
# PostgreSQL (the store's tests run against a real server they start themselves).
# Installs only what is missing; needs root (or sudo) the first time.
set -euo pipefail
need=()
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv python3-pip)
command -v npm >/dev/null || need+=(nodejs npm)
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)  # the store's tests start a throwaway server
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
