#!/usr/bin/env bash
# `make demo`: serves the six slow pages of examples/urls.txt from 127.0.0.1 and runs
# afetch --compare over them: the documents' 8.4 s versus 1.7 s, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DEMO_PORT:-8765}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

list=examples/urls.txt
if [ "$port" != 8765 ]; then
    list=$(mktemp)
    trap 'rm -f "$list"' EXIT
    sed "s/127\.0\.0\.1:8765/127.0.0.1:$port/" examples/urls.txt >"$list"
fi

port_file=$(mktemp -u)
"$python" tests/server.py --port "$port" --port-file "$port_file" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$port_file"; [ "$list" = examples/urls.txt ] || rm -f "$list"' EXIT
for _ in $(seq 50); do
    [ -s "$port_file" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "demo: the demo server could not listen on 127.0.0.1:$port; try DEMO_PORT=NNNN make demo" >&2
        exit 1
    fi
    sleep 0.1
done

echo "demo server on http://127.0.0.1:$port — six pages, each answering after 1.2 to 1.7 s"
echo "\$ afetch --compare --timeline build/demo-timeline.svg $list"
build/afetch --compare --timeline build/demo-timeline.svg "$list"
echo "the timeline of the three runs: build/demo-timeline.svg (open it in a browser)"
