#!/usr/bin/env bash
# Sets up a fresh machine: the reference implementations the differential tests
# compare against (Debian's pip and packaging), the npm dependencies, code-server
# and Chromium for the tests in a real VS Code, then builds and packages the
# extension (the main job: dist/ and the .vsix).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
/usr/bin/python3 -c 'import pip, packaging' 2>/dev/null || need_apt+=(python3-pip python3-packaging)
# Neovim: a real third-party LSP client for the editor-agnostic tests.
command -v nvim >/dev/null 2>&1 || need_apt+=(neovim)
# util-linux's `script` gives the CLI tests a real terminal.
command -v script >/dev/null 2>&1 || need_apt+=(util-linux)
# Debian's pre-commit runs the hook in test/dist (with its nodeenv and git).
command -v pre-commit >/dev/null 2>&1 || need_apt+=(pre-commit)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Please install these Debian packages first: ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
bash scripts/install-code-server.sh
npm run build
npm run package
node server/out/server.js --version >/dev/null
echo "pypi-status is built: server/out/server.js (language server), server/out/cli.js (CLI), $(ls ./*.vsix) (VS Code extension)."
