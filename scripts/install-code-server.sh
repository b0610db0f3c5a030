#!/usr/bin/env bash
# Installs what `npm run test:vscode` needs on a machine that cannot download
# VS Code from Microsoft: Debian's chromium (the browser that drives the web
# workbench), and code-server — the real VS Code (server + web workbench) as
# published on the npm registry — into .vscode-test/, outside the project's own
# dependencies. Idempotent: a second run finds everything and does nothing.
#
# Where desktop VS Code can be downloaded (a laptop, GitHub Actions) none of this
# is needed: PYPI_STATUS_VSCODE=desktop npm run test:vscode.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with test/vscode/code-server.ts (CODE_SERVER_VERSION).
CODE_SERVER_VERSION=4.100.3
# code-server 4.100.3 pins @vscode/ripgrep 1.15.11 (lib/vscode/npm-shrinkwrap.json), whose
# postinstall (lib/postinstall.js, lib/download.js) downloads
# ripgrep-<VERSION>-<target>.tar.gz from GitHub unless it is already in
# $TMPDIR/vscode-ripgrep-cache-<package version>/. GitHub is not reachable here, so the
# cache is seeded with Debian's rg (13.0.0, the same ripgrep release).
RIPGREP_PACKAGE_VERSION=1.15.11
RIPGREP_ASSET_VERSION=v13.0.0-10

DEST=".vscode-test/code-server-${CODE_SERVER_VERSION}"
ENTRY="${DEST}/node_modules/code-server/out/node/entry.js"

# --- Debian packages --------------------------------------------------------
# chromium: the headless browser; libkrb5-dev: kerberos (a VS Code dependency) builds
# from source; ripgrep: seeds @vscode/ripgrep's download cache (see above).
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
[ -x /usr/bin/rg ] || need_apt+=(ripgrep)
for tool in make g++; do command -v "$tool" >/dev/null 2>&1 || need_apt+=(build-essential); done
if [ ${#need_apt[@]} -gt 0 ]; then
  # shellcheck disable=SC2207 # deduplicate (build-essential may be listed twice)
  need_apt=($(printf '%s\n' "${need_apt[@]}" | sort -u))
  if [ "$(id -u)" -ne 0 ]; then
    echo "Please install these Debian packages first: ${need_apt[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- code-server ------------------------------------------------------------
if [ -f "${DEST}/.installed" ] && [ -f "$ENTRY" ]; then
  echo "code-server ${CODE_SERVER_VERSION} is installed in ${DEST}"
  exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  # code-server's postinstall refuses any other major version (its native modules are built for 20).
  echo "code-server ${CODE_SERVER_VERSION} needs Node.js 20; this is $(node --version)" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST/tmp"
# A package.json of its own, so that npm installs here and not into the project.
printf '{ "name": "pypi-status-code-server", "private": true }\n' >"${DEST}/package.json"

rg_cache="${DEST}/tmp/vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}"
mkdir -p "$rg_cache/stage"
cp /usr/bin/rg "$rg_cache/stage/rg"
tar -czf "$rg_cache/ripgrep-${RIPGREP_ASSET_VERSION}-x86_64-unknown-linux-musl.tar.gz" -C "$rg_cache/stage" rg
rm -rf "$rg_cache/stage"

echo "Installing code-server ${CODE_SERVER_VERSION} into ${DEST} (a few minutes: native modules are built)"
# --unsafe-perm: as root, code-server's postinstall insists on it (its own postinstall
#   runs `npm install` in lib/vscode and lib/vscode/extensions).
# npm_config_yes: node-pty's postinstall runs npx, which would otherwise prompt.
# TMPDIR: where @vscode/ripgrep looks for its seeded cache.
# --no-package-lock: the lock would only describe this throwaway directory.
(
  cd "$DEST"
  TMPDIR="$PWD/tmp" npm_config_yes=true npm install --unsafe-perm --no-package-lock --no-audit --no-fund \
    --loglevel=error "code-server@${CODE_SERVER_VERSION}"
)

# Fail here, not in the middle of a test run, when a native part is missing.
vscode_modules="${DEST}/node_modules/code-server/lib/vscode/node_modules"
for f in "@vscode/ripgrep/bin/rg" "node-pty/build/Release/pty.node" "kerberos/build/Release/kerberos.node"; do
  if [ ! -e "${vscode_modules}/$f" ]; then
    echo "code-server install is incomplete: ${vscode_modules}/$f is missing" >&2
    exit 1
  fi
done
# XDG dirs: code-server writes a config file and logs on every start, even for --version.
XDG_CONFIG_HOME="${DEST}/tmp/config" XDG_DATA_HOME="${DEST}/tmp/data" node "$ENTRY" --version
rm -rf "${DEST}/tmp"
touch "${DEST}/.installed"
echo "code-server ${CODE_SERVER_VERSION} is installed in ${DEST}"
