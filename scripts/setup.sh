#!/usr/bin/env bash
# Installs what this machine lacks for the tests and the bench, and nothing
# else: run by scripts/test.sh and scripts/bench.sh (the README's two
# commands) before they start. Needs only Node.js (with npm) and, for the
# system packages, Debian/Ubuntu's apt-get (as root, or through sudo).
#
# 1. System packages: `chromium` (headless Chrome for the browser tests and
#    the bench; it also ships SwiftShader's Vulkan driver, which gives WebGPU
#    an adapter on machines without a GPU, in Chrome and in Node's Dawn) and
#    `libvulkan1` (the Vulkan loader Dawn opens). Without them the WebGPU
#    tests fail (they never skip).
# 2. npm dependencies: `npm ci` when node_modules is missing or was installed
#    from another package-lock.json (a hash of it is kept in node_modules).
#    puppeteer downloads no browser (.puppeteerrc.cjs), so this works without
#    access to Google's servers.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup] $*"; }

has_vulkan_loader() {
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -q 'libvulkan\.so\.1'
}

if command -v chromium >/dev/null 2>&1 && has_vulkan_loader; then
  :
elif command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    say "chromium and libvulkan1 are missing and this user cannot install them (not root, no sudo)."
    say "Ask an administrator for: apt-get install -y chromium libvulkan1"
    exit 1
  fi
  say "installing chromium and libvulkan1 (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq chromium libvulkan1 >/dev/null
else
  say "no apt-get here: install Chromium and a Vulkan loader yourself (or set PUPPETEER_EXECUTABLE_PATH"
  say "to a Chrome); without them the WebGPU tests fail. Continuing."
fi

STAMP=node_modules/.webgrad-package-lock.sha256
lock_hash() { node -e "process.stdout.write(require('node:crypto').createHash('sha256').update(require('node:fs').readFileSync('package-lock.json')).digest('hex'))"; }
want=$(lock_hash)
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]; then
  say "npm ci ..."
  npm ci --no-audit --no-fund
  echo "$want" > "$STAMP"
fi
