#!/bin/sh
# Installs the Debian packages afetch needs that are missing: "build" for building, "demo" for
# the demo's local server too, "test" for the test suite. Root installs them with apt-get;
# anyone else is told what to install.
set -eu

build="gcc make pkg-config libcurl4-openssl-dev libssl-dev libidn2-dev libev-dev libcjson-dev"
test="$build clang jq bats valgrind python3 groff-base openssl parallel libxml2-utils librsvg2-bin
    nghttp2-server tinyproxy tmux"
case "${1:-build}" in
build) wanted=$build ;;
demo) wanted="$build python3" ;;
test) wanted=$test ;;
*) echo "usage: $0 [build|demo|test]" >&2; exit 2 ;;
esac

missing=""
for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "afetch needs these Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
