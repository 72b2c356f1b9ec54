#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it makes a virtual
# environment with Python 3.11 or newer and installs the grader's dependencies into it.
set -euo pipefail
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"

recent_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && recent_enough "$candidate"; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ]; then  # e.g. Ubuntu 22.04, whose python3 is 3.10
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if ! "$PYTHON" -m venv "$ROOT/venv"; then  # Debian and Ubuntu ship venv separately
    apt-get update
    apt-get install -y "python$version-venv"
    rm -rf "$ROOT/venv"
    "$PYTHON" -m venv "$ROOT/venv"
fi
# bubblewrap gives workers the strongest isolation where the container allows namespaces; without it
# (or where namespaces are refused) the grader falls back to a user id per worker, since this runs as root.
apt-get install -y bubblewrap >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y bubblewrap) || true
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -r "$ROOT/source/requirements.txt"
