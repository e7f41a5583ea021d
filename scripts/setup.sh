#!/usr/bin/env bash
# Installs whatever is missing for Session Rater; safe to run again.
#   scripts/setup.sh app    system packages to run the app, venv, Python packages
#   scripts/setup.sh test   the same plus Xvfb and the test packages
# As root it installs Debian/Ubuntu packages with apt-get; otherwise it prints
# the one command an administrator needs to run.
set -euo pipefail

MODE="${1:-app}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RATER_VENV:-$ROOT/.venv}"

# ffmpeg: decodes recordings for the waveform strip (the tests also generate media with it)
APP_DEBS=(python3 python3-venv python3-pip ffmpeg
  libvlc5 vlc-plugin-base vlc-plugin-video-output
  libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0
  libfontconfig1 libdbus-1-3 libglib2.0-0 libpulse0)
TEST_DEBS=(xvfb xauth postgresql libreoffice-calc-nogui
  xdotool  # bench/bench_startup.py polls for the first visible window
  r-cran-haven)  # SPSS files read back in R

debs=("${APP_DEBS[@]}")
[ "$MODE" = test ] && debs+=("${TEST_DEBS[@]}")

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: ask an administrator to run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: Python 3.11 or newer is needed ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtual environment in $VENV"
  "$PY" -m venv "$VENV"
fi

# Reinstall Python packages only when pyproject.toml changed (a test install covers the app).
extra=""
[ "$MODE" = test ] && extra="[test]"
hash="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$VENV/.rater-$hash-test" ] && [ ! -f "$VENV/.rater-$hash-$MODE" ]; then
  echo "setup: installing Python packages ($MODE)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$extra"
  touch "$VENV/.rater-$hash-$MODE"
fi
