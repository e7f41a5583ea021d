#!/usr/bin/env bash
# Set up what is missing, then run the whole test suite (Xvfb included).
# Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" test
PY="${RATER_VENV:-$ROOT/.venv}/bin/python"
cd "$ROOT"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"

echo "== lint (ruff)"
"$PY" -m ruff check rater tests bench

echo "== core without Qt or libVLC (PySide6 and vlc made unimportable)"
RATER_BLOCK_QT=1 "$PY" -m pytest -q -p no:pytestqt -p no:xvfb tests/core tests/stats

echo "== whole suite"
"$PY" -m pytest -q "$@"
