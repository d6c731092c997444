#!/usr/bin/env bash
# Set up what the browser tests need on a fresh machine (idempotent, quick when done):
#   * Debian's Chromium (driven by Playwright for Python; never `playwright install`);
#   * axe-core from npm, into tests/web/.npm/node_modules (gitignored), for the
#     accessibility check.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1
AXE_DIR=tests/web/.npm

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null
    else
        echo "setup-browser: chromium is missing; run: sudo apt-get install chromium chromium-driver" >&2
        exit 1
    fi
fi

if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    mkdir -p "$AXE_DIR"
    npm install --silent --no-audit --no-fund --no-save --no-package-lock \
        --prefix "$AXE_DIR" "axe-core@$AXE_VERSION"
fi
echo "setup-browser: $(chromium --version 2>/dev/null | head -1); axe-core $AXE_VERSION in $AXE_DIR"
