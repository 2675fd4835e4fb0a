#!/usr/bin/env bash
# Installs what the platform needs on a fresh machine with Node 20: pnpm (pinned) and the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
want=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$want" ]; then
  echo "installing pnpm $want"
  npm install -g "pnpm@$want" >/dev/null 2>&1 || COREPACK_INTEGRITY_KEYS=0 corepack prepare "pnpm@$want" --activate
fi
pnpm install --frozen-lockfile --reporter=silent
