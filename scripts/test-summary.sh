#!/usr/bin/env bash
# Sums the TRX results of every test project of Sympozium.sln and prints the closing line
#
#   N passed, N failed            (", N skipped" follows only when tests were skipped)
#
# alone on its line, after a per-project table.
#
# usage: scripts/test-summary.sh [--test-exit-code N]
#   --test-exit-code  the exit code of 'dotnet test'; a non-zero one fails this script even
#                     when the TRX files count no failure (a crashed test host, for example)
#
# Test projects are the projects of Sympozium.sln whose name ends in ".Tests" (the convention
# Directory.Build.props also uses to make them test projects). 'dotnet test --logger trx' writes
# each project's results to <project dir>/TestResults/*.trx; scripts/run-tests.sh deletes those
# folders before the run, so every file found here belongs to this run. From each file the
# <Counters> element of <ResultSummary> is read: passed = passed, failed = failed + error +
# timeout + aborted, skipped = total - executed (xunit's skipped tests are not executed). A file
# whose ResultSummary outcome is not Completed/Passed/Warning but that counts no failure (the
# test host crashed) adds one failure.
#
# Exit code: 0 only if every test project produced a TRX file, nothing failed, at least one test
# ran and 'dotnet test' itself succeeded.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

test_exit_code=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --test-exit-code) test_exit_code=${2:?}; shift 2 ;;
    *) echo "usage: $0 [--test-exit-code N]" >&2; exit 2 ;;
  esac
done

# Reads one attribute of a <Counters .../> element (0 when absent).
counter() {
  local element=$1 name=$2 value
  value=$(sed -nE "s/.*[[:space:]]$name=\"([0-9]+)\".*/\1/p" <<<"$element")
  echo "${value:-0}"
}

mapfile -t test_projects < <(dotnet sln Sympozium.sln list | tr '\\' '/' | grep -E '\.Tests\.csproj$' | sort)
if [[ ${#test_projects[@]} -eq 0 ]]; then
  echo "error: Sympozium.sln has no test project (*.Tests.csproj)" >&2
  exit 1
fi

passed=0 failed=0 skipped=0 problems=0
rows=("test project|passed|failed|skipped|seconds|results")
for project in "${test_projects[@]}"; do
  name=$(basename "$project" .csproj)
  shopt -s nullglob
  trx_files=("$(dirname "$project")"/TestResults/*.trx)
  shopt -u nullglob
  if [[ ${#trx_files[@]} -eq 0 ]]; then
    rows+=("$name|-|-|-|-|NO TRX FILE (build or test host failure?)")
    problems=$((problems + 1))
    continue
  fi
  p=0 f=0 s=0 seconds=0 note="${#trx_files[@]} trx"
  for trx in "${trx_files[@]}"; do
    text=$(tr '\n\r' '  ' <"$trx")
    element=$(grep -oE '<Counters[[:space:]][^>]*>' <<<"$text" | head -n 1 || true)
    if [[ -z $element ]]; then
      echo "error: $trx has no <Counters> element (truncated or not a TRX file)" >&2
      problems=$((problems + 1))
      continue
    fi
    total=$(counter "$element" total)
    executed=$(counter "$element" executed)
    file_failed=$(($(counter "$element" failed) + $(counter "$element" error) + $(counter "$element" timeout) + $(counter "$element" aborted)))
    outcome=$(sed -nE 's/.*<ResultSummary[[:space:]][^>]*outcome="([A-Za-z]+)".*/\1/p' <<<"$text")
    # A run that ended badly with no failed test (a crashed test host: the test that crashed
    # it is never reported) counts as one failure, so the closing line cannot read "0 failed".
    if [[ $file_failed -eq 0 && -n $outcome && ! $outcome =~ ^(Completed|Passed|Warning)$ ]]; then
      file_failed=1
      note="run $outcome, counted as 1 failure (test host crash?)"
    fi
    # Wall time of the project's run: <Times start=... finish=...> (projects run side by side).
    times=$(grep -oE '<Times[[:space:]][^>]*>' <<<"$text" | head -n 1 || true)
    start=$(sed -nE 's/.*[[:space:]]start="([^"]+)".*/\1/p' <<<"$times")
    finish=$(sed -nE 's/.*[[:space:]]finish="([^"]+)".*/\1/p' <<<"$times")
    if [[ -n $start && -n $finish ]]; then
      seconds=$((seconds + $(date -d "$finish" +%s) - $(date -d "$start" +%s)))
    fi
    p=$((p + $(counter "$element" passed)))
    f=$((f + file_failed))
    s=$((s + total - executed))
  done
  rows+=("$name|$p|$f|$s|$seconds|$note")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

echo
printf '%s\n' "${rows[@]}" | scripts/table.sh
echo

status=0
if [[ $problems -gt 0 ]]; then
  echo "error: $problems test project(s) or TRX file(s) gave no results" >&2
  status=1
fi
if [[ $test_exit_code -ne 0 && $failed -eq 0 ]]; then
  echo "error: 'dotnet test' exited with $test_exit_code although no test failed" >&2
  status=1
fi
if [[ $((passed + failed)) -eq 0 ]]; then
  echo "error: no test ran" >&2
  status=1
fi
[[ $failed -gt 0 || $test_exit_code -ne 0 ]] && status=1

line="$passed passed, $failed failed"
[[ $skipped -gt 0 ]] && line+=", $skipped skipped"
echo "$line"
exit $status
