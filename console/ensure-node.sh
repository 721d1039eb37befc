#!/bin/sh
# Makes sure the console's commands (make console-deps and the targets after
# it) find a Node.js the lockfile supports: vite, jsdom and playwright-core
# need ^20.19.0 or >=22.12.0, and Debian bookworm's nodejs is 18. When the node
# on PATH is missing or older, it installs Node.js 22 from the npm registry
# (the node-linux-<arch> package holds the official binary; nodejs.org is not
# needed) into TOOLS_DIR, and links it as TOOLS_DIR/bin/node, which the
# Makefile puts first on PATH. npm comes from Debian when there is none.
#
# Usage: ensure-node.sh TOOLS_DIR
set -eu

dir=${1:?usage: ensure-node.sh TOOLS_DIR}
major=22
PATH="$dir/bin:$PATH"
export PATH

# supported VERSION: whether a node --version output (v20.19.2) is one the
# lockfile's packages accept.
supported() {
	v=${1#v}
	maj=${v%%.*}
	rest=${v#*.}
	min=${rest%%.*}
	case "$maj$min" in *[!0-9]*|'') return 1 ;; esac
	[ "$maj" -eq 20 ] && [ "$min" -ge 19 ] && return 0
	[ "$maj" -eq 22 ] && [ "$min" -ge 12 ] && return 0
	[ "$maj" -gt 22 ]
}

found=$(node --version 2>/dev/null || echo "none")
if supported "$found"; then
	exit 0
fi
echo "console: Node.js on PATH is $found; the console needs ^20.19.0 or >=22.12.0: installing Node.js $major from npm into $dir" >&2

if ! command -v npm >/dev/null 2>&1; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "console: no npm and no apt-get to install it: install Node.js >= 20.19 yourself" >&2
		exit 1
	fi
	apt-get update -qq && apt-get install -y -qq nodejs npm
fi

case $(uname -m) in
x86_64 | amd64) arch=x64 ;;
aarch64 | arm64) arch=arm64 ;;
*)
	echo "console: no Node.js package on npm for $(uname -m): install Node.js >= 20.19 yourself" >&2
	exit 1
	;;
esac

mkdir -p "$dir/bin"
npm install --prefix "$dir" --no-audit --no-fund --no-save "node-linux-$arch@$major"
ln -sf "../node_modules/node-linux-$arch/bin/node" "$dir/bin/node"

got=$(node --version 2>/dev/null || echo "none")
if ! supported "$got"; then
	echo "console: installed Node.js $major into $dir, but node on PATH is still $got ($(command -v node || echo missing)): install Node.js >= 20.19 yourself" >&2
	exit 1
fi
echo "console: using Node.js $got from $dir/bin" >&2
