#!/usr/bin/env bash
# vendor-web.sh installs the portal's browser libraries from npm at exact
# versions and copies their minified builds and licences into
# http/static/vendor/, with a SHA256SUMS file. The output is committed and
# embedded into the binary, so building Bianque needs no npm and the portal
# loads nothing from a CDN. Run it only to change a version:
#
#	scripts/vendor-web.sh && git diff --stat http/static/vendor
set -euo pipefail

HTMX_VERSION=2.0.11
ECHARTS_VERSION=6.1.0

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/http/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "htmx.org@$HTMX_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null

rm -rf "$out"
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$out/htmx.LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts.min.js"
cp node_modules/echarts/LICENSE "$out/echarts.LICENSE"
[ -f node_modules/echarts/NOTICE ] && cp node_modules/echarts/NOTICE "$out/echarts.NOTICE"

cat > "$out/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION
echarts $ECHARTS_VERSION
VERSIONS

cd "$out"
sha256sum -- *.js *.LICENSE $(ls *.NOTICE 2>/dev/null) VERSIONS > SHA256SUMS
echo "vendored htmx.org@$HTMX_VERSION echarts@$ECHARTS_VERSION into http/static/vendor"
