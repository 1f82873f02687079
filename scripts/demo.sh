#!/usr/bin/env bash
# Set up preflight in .venv and run the demo against the embedded loopback lab (no internet needed
# beyond the package index for the first install). Extra arguments go to `preflight demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "preflight needs Python >= 3.10" >&2; exit 2; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/preflight demo "$@"
