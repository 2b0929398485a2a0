#!/usr/bin/env bash
# What 'make test' runs: installs the test prerequisites, builds Sympozium.sln, publishes the
# run path's Native AOT binaries the e2e suite runs, runs every test project with a TRX logger
# and ends with the summary line of scripts/test-summary.sh.
#
# usage: scripts/run-tests.sh [extra 'dotnet test' arguments, e.g. --filter ...]
# Environment: CONFIGURATION (default Release), the configuration of every make target;
# SYMPOZIUM_RUN_PATH (default aot; jit runs the e2e suite on the run path's JIT build).
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

# The e2e suite runs the run path (agent-runner, ipc-bridge, the channels it uses) as the Native
# AOT binaries users run (SYMPOZIUM_RUN_PATH=aot, read by its fixture); SYMPOZIUM_RUN_PATH=jit
# runs their JIT build instead and skips this step. Published after the build so only the native
# compilation is added; binaries whose inputs are unchanged are reused (aot-profiles/publish-all.sh).
export SYMPOZIUM_RUN_PATH=${SYMPOZIUM_RUN_PATH:-aot}
aot_seconds=0
if [[ $SYMPOZIUM_RUN_PATH == aot ]]; then
  echo "== Native AOT run path for the e2e suite"
  aot_started=$SECONDS
  if ! aot-profiles/publish-all.sh --only Sympozium.AgentRunner --only Sympozium.IpcBridge \
      --only Sympozium.Channel.Telegram --only Sympozium.Channel.Slack; then
    echo "error: the AOT publish of the run path failed; no test was run" >&2
    exit 1
  fi
  aot_seconds=$((SECONDS - aot_started))
fi

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
  echo "aot run path (e2e)|$aot_seconds"
  echo "tests (all projects)|$tests_seconds"
  if [[ -n ${CI_STARTED_EPOCH:-} ]]; then
    echo "ci so far|$(($(date +%s) - CI_STARTED_EPOCH))"
  fi
} | scripts/table.sh

echo "== summary"
scripts/test-summary.sh --test-exit-code "$test_exit_code"
