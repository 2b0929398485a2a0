#!/usr/bin/env bash
# Controller benchmark: N AgentRuns (default 500) created at once against the local
# cluster, whose kubelet runs the controller tests' stand-in agent and ipc-bridge scripts; time to
# create them, until every Job exists, until the last pod started and until every run Succeeded;
# controller RSS idle, peak under the load (100 ms samples) and after; its CPU time; AOT binary
# size. The cluster runs in-process (API server, kubelet and benchmark share one process). Figures
# as "metric: value unit" on stdout, progress on stderr; the controller's output goes to
# artifacts/logs/bench-controller-{aot,jit}.log unless --log names a file. Exits non-zero when a run
# failed or did not finish, or a stand-in process was left behind. Not part of `make test`.
#
# usage: scripts/bench-controller.sh [--runs 500] [--concurrency 16] [--jit] [--workers 2]
#          [--idle 5] [--timeout 900] [--log FILE] [--controller PATH]
#   --jit  runs the JIT build (dotnet controller.dll) instead of the AOT binary, for the RSS comparison
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

jit=false
log=false
for arg in "$@"; do
  case $arg in
    --jit) jit=true ;;
    --log|--log=*) log=true ;;
  esac
done

if [[ $jit == true ]]; then
  echo "building components/Sympozium.Controller (Release, JIT) ..." >&2
  build=$(dotnet build components/Sympozium.Controller -c Release -nologo -v:q 2>&1) || { echo "$build" >&2; exit 1; }
  mode=jit
else
  echo "AOT-publishing Sympozium.Controller (aot-profiles/publish-all.sh --only Sympozium.Controller) ..." >&2
  aot-profiles/publish-all.sh --only Sympozium.Controller >&2
  mode=aot
fi

echo "building bench/Sympozium.Bench.Controller (Release) ..." >&2
build=$(dotnet build bench/Sympozium.Bench.Controller -c Release -nologo -v:q 2>&1) || { echo "$build" >&2; exit 1; }
extra=()
if [[ $log == false ]]; then
  mkdir -p artifacts/logs
  extra=(--log "artifacts/logs/bench-controller-$mode.log")
fi
dotnet bench/Sympozium.Bench.Controller/bin/Release/net10.0/Sympozium.Bench.Controller.dll "${extra[@]}" "$@"
