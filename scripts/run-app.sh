#!/usr/bin/env bash
# Set up what is missing, then start Session Rater. Arguments go to `rater`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" app
exec "${RATER_VENV:-$ROOT/.venv}/bin/rater" "$@"
