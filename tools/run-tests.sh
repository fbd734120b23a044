#!/usr/bin/env bash
# Install everything the tests need, then run every test: unit, integration,
# browser, the documentation notebooks (nbval) and the benchmarks' quick mode.
# This is the README's test command; .ci/run calls it unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}

# Debian's Chromium for the browser test (Playwright cannot download one here),
# and bubblewrap, the job sandbox of an unprivileged local service.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/bwrap ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium bubblewrap
    elif command -v sudo >/dev/null; then
        sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium bubblewrap
    else
        echo "run-tests: install Debian's 'chromium' and 'bubblewrap' packages" >&2
        exit 1
    fi
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"

"$PYTHON" -m mypy modelarts

mkdir -p test-artifacts
# Two pytest-xdist workers (the 2-core CI machine; MODELARTS_TEST_WORKERS=0 runs in one process).
# loadgroup + conftest.py: one test module, or all the notebooks, per unit of work; slow units first.
WORKERS=${MODELARTS_TEST_WORKERS:-2}
set +e
"$PYTHON" -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg \
    -n "$WORKERS" --dist loadgroup --no-loadscope-reorder --junitxml=test-artifacts/junit.xml "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "run-tests: pytest collected no tests; that is a failure" >&2
    exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

if [ -f benchmarks/run.py ]; then
    "$PYTHON" benchmarks/run.py --quick --output test-artifacts/RESULTS-quick.md
fi
