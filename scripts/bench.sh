#!/usr/bin/env bash
# The README's bench command: installs what is missing (scripts/setup.sh), then
# `npm run bench` (webgrad vs TensorFlow.js and jax-js in headless Chrome).
# Arguments go to the bench, e.g. `bash scripts/bench.sh --quick`
# (bench/README.md lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm run bench -- "$@"
