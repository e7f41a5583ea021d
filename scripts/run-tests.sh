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

echo "== PostgreSQL server for the storage and pooling tests (loopback only)"
eval "$(bash "$ROOT/scripts/test-postgres.sh" start)"
trap 'bash "$ROOT/scripts/test-postgres.sh" stop' EXIT

if [ "$#" -gt 0 ]; then
  exec "$PY" -m pytest -q "$@"
fi

echo "== lint (ruff)"
"$PY" -m ruff check rater tests bench

echo "== architecture (import-linter contracts in pyproject.toml)"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$(dirname "$PY")/lint-imports" --config "$ROOT/pyproject.toml"

# The Qt-free core (study, storage, instruments, statistics, export, pooling, data safety,
# packaging) runs with PySide6 and vlc made unimportable, proving it needs neither.
CORE=(tests/study tests/storage tests/instruments tests/test_fileio.py tests/stats tests/export tests/pooling
      tests/safety tests/packaging)
present=()
for d in "${CORE[@]}"; do [ -e "$d" ] && present+=("$d"); done
echo "== core without Qt or libVLC: ${present[*]}"
RATER_BLOCK_QT=1 "$PY" -m pytest -q -p no:pytest-qt -p no:xvfb "${present[@]}"

echo "== media and user interface (Xvfb)"
ignore=()
for d in "${present[@]}"; do ignore+=("--ignore=$d"); done
"$PY" -m pytest -q tests "${ignore[@]}"
