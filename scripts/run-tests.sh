#!/usr/bin/env bash
# What 'make test' runs: installs the test prerequisites, builds Sympozium.sln, runs every test
# project with a TRX logger and ends with the summary line of scripts/test-summary.sh.
#
# usage: scripts/run-tests.sh [extra 'dotnet test' arguments, e.g. --filter ...]
# Environment: CONFIGURATION (default Release), the configuration of every make target.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
configuration=${CONFIGURATION:-Release}

echo "== prerequisites"
# Tests that cross a process boundary run a real nats-server (Sympozium.Testing.NatsServer).
scripts/ensure-packages.sh nats-server
echo "nats-server: $(PATH=$PATH:/usr/sbin nats-server --version)"

echo "== build ($configuration)"
build_started=$SECONDS
if ! dotnet build Sympozium.sln -c "$configuration" -nologo; then
  echo "error: the build of Sympozium.sln failed; no test was run" >&2
  exit 1
fi

build_seconds=$((SECONDS - build_started))
echo "build: ${build_seconds} s"

echo "== test"
# Results of an earlier run must not be counted again.
dotnet sln Sympozium.sln list | tr '\\' '/' | grep -E '\.Tests\.csproj$' | while read -r project; do
  rm -rf "$(dirname "$project")/TestResults"
done

tests_started=$SECONDS
set +e
# A test that hangs is killed after 5 minutes and reported by name (a failure), instead of
# holding CI until its time limit.
dotnet test Sympozium.sln -c "$configuration" --no-build -nologo --logger trx \
  --blame-hang-timeout 5m --blame-hang-dump-type none "$@"
test_exit_code=$?
set -e
tests_seconds=$((SECONDS - tests_started))

echo "== time"
# Where the time went: the per-project seconds in the table below overlap (dotnet test runs
# projects side by side); the phases here do not.
{
  echo "phase|seconds"
  if [[ -n ${CI_AOT_CHECK_SECONDS:-} ]]; then
    echo "aot check (.ci/run)|$CI_AOT_CHECK_SECONDS"
  fi
  echo "build|$build_seconds"
  echo "tests (all projects)|$tests_seconds"
  if [[ -n ${CI_STARTED_EPOCH:-} ]]; then
    echo "ci so far|$(($(date +%s) - CI_STARTED_EPOCH))"
  fi
} | scripts/table.sh

echo "== summary"
scripts/test-summary.sh --test-exit-code "$test_exit_code"
