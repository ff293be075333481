#!/usr/bin/env bash
# The README's test command: installs what is missing (scripts/setup.sh), then
# `npm test` (typecheck, build dist/, every test on the CPU backend and on real
# WebGPU). Arguments go to vitest, e.g. `bash scripts/test.sh test/ops`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm test -- "$@"
