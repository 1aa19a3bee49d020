#!/usr/bin/env bash
# Install elearn-bot from this source tree the way it ships: build the wheel, create a fresh
# virtual environment, install the wheel (and its dependencies) into it. The result does not
# need the checkout: the wheel carries the plans (rules/) and the messages (locales/).
# deploy/Dockerfile and tests/deploy/test_installed_wheel.py both run this script.
#
# Usage: deploy/install.sh VENV_DIR
#   VENV_DIR      where the virtual environment is created; it must not exist yet, or be empty.
#                 Afterwards VENV_DIR/bin/elearn-bot is the bot (`elearn-bot run`, `rules check`…).
# Environment (all optional):
#   PYTHON        the Python 3.11+ to create the environment with (default: python3)
#   SOURCE_DIR    the source tree to build (default: the folder above this script)
#   WHEEL_DIR     keep the built wheel in this folder (default: a temporary folder, removed)
#   PIP_INSTALL_ARGS  extra arguments for the `pip install` of the wheel, split on spaces,
#                 e.g. "--no-cache-dir" in an image, or "--no-index --find-links /wheels" offline
# pip's own settings (PIP_INDEX_URL, PIP_FIND_LINKS, pip.conf…) apply as usual. The wheel is
# built from a clean copy of the files it is made of, so nothing is written into SOURCE_DIR
# (no build/, no *.egg-info) and a stale build/ there cannot leak into the wheel.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
fi
venv=$1
python=${PYTHON:-python3}
source_dir=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
read -r -a pip_install_args <<<"${PIP_INSTALL_ARGS:-}"

if [ -e "$venv" ] && [ -n "$(ls -A "$venv")" ]; then
    echo "install.sh: $venv exists and is not empty; give a new folder" >&2
    exit 2
fi
for needed in pyproject.toml setup.py MANIFEST.in README.md bot rules locales; do
    if [ ! -e "$source_dir/$needed" ]; then
        echo "install.sh: $source_dir/$needed is missing; SOURCE_DIR must be the project's source tree" >&2
        exit 2
    fi
done

existed=false
[ -e "$venv" ] && existed=true
work=$(mktemp -d)
cleanup() {
    status=$?
    rm -rf "$work"
    if [ "$status" -ne 0 ] && [ "$existed" = false ]; then
        rm -rf "$venv"  # no half-made environment left behind
    fi
}
trap cleanup EXIT
# The files the wheel is built from, without caches.
mkdir "$work/src"
tar -C "$source_dir" --exclude=__pycache__ --exclude='*.pyc' \
    -cf - pyproject.toml setup.py MANIFEST.in README.md bot rules locales | tar -C "$work/src" -xf -

"$python" -m venv "$venv"
wheel_dir=${WHEEL_DIR:-$work/wheel}
mkdir -p "$wheel_dir"
"$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$wheel_dir" "$work/src"
wheel=$(ls -t "$wheel_dir"/elearn_bot-*.whl | head -n 1)
"$venv/bin/pip" install --quiet ${pip_install_args[@]+"${pip_install_args[@]}"} "$wheel"
echo "installed $(basename "$wheel") into $venv: $venv/bin/elearn-bot"
