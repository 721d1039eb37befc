#!/bin/sh
# Fetches GraphiQL's browser assets from the npm registry, at the versions pinned
# below, into static/ (the browser-ready UMD builds, no bundler needed) and their
# licenses into third_party/. `make graphiql` runs it; the results are committed,
# so building, running and testing need only Go. To upgrade, change a version, run
# `make graphiql`, check the page in a browser and commit the diff.
#
# GraphiQL 4 is the last major version with a standalone (UMD) build, the one
# gqlgen's playground loads from a CDN; 5 ships ES modules only and runs Monaco
# in web workers, which needs a bundler.
set -eu

GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1 # React 19 ships no UMD build

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"

# npm pack downloads each tarball and checks it against the registry's integrity hash.
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
unpack() { mkdir "$1" && tar -xzf "$2" -C "$1" --strip-components=1; }
unpack graphiql "graphiql-$GRAPHIQL_VERSION.tgz"
unpack react "react-$REACT_VERSION.tgz"
unpack react-dom "react-dom-$REACT_VERSION.tgz"

cp graphiql/graphiql.min.js graphiql/graphiql.min.css "$here/static/"
cp react/umd/react.production.min.js react-dom/umd/react-dom.production.min.js "$here/static/"
cp graphiql/LICENSE "$here/third_party/LICENSE.graphiql"
cp react/LICENSE "$here/third_party/LICENSE.react"
cp react-dom/LICENSE "$here/third_party/LICENSE.react-dom"
printf 'graphiql %s\nreact %s\nreact-dom %s\n' "$GRAPHIQL_VERSION" "$REACT_VERSION" "$REACT_VERSION" >"$here/third_party/VERSIONS"
echo "GraphiQL $GRAPHIQL_VERSION and React $REACT_VERSION fetched into $here"
