#!/usr/bin/env bash
# The README's main command: installs what is missing (scripts/setup.sh),
# builds the demo site (demo/: playground, MNIST, regression, benchmark) and
# serves it on http://localhost:5180/ until Ctrl-C. Open that address in a
# browser with WebGPU (Chrome, Edge) to train on the GPU; the Benchmark page
# runs the bench there. Set PORT to serve elsewhere; `--dev` starts Vite's
# dev server (live reload from src/) instead of the built site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PORT="${PORT:-5180}"
if [ "${1:-}" = "--dev" ]; then
  exec npm run demo -- --port "$PORT" --strictPort
fi
npm run build:demo
echo "[demo] serving demo/dist on http://localhost:$PORT/ (Ctrl-C to stop)"
exec npm run preview:demo -- --port "$PORT" --strictPort
