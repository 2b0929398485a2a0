#!/usr/bin/env bash
# Local cluster benchmark (issue: local cluster): over real HTTPS with the kubeconfig's bearer
# token, ConfigMap create throughput (sequential and concurrent), GET latency p50/p90/p99,
# watch-event delivery latency from PATCH sent to MODIFIED received at each of 20 watchers (paced
# and in a burst) with the count of lost events, and busybox pod start latency from POST to
# containerStatuses[].state.running, with a /proc check that deleted pods leave no process.
# Figures as "metric: value unit" on stdout, progress on stderr. The cluster runs in-process
# unless --external names the kubeconfig of one started with
#   dotnet run --project components/Sympozium.LocalCluster -- --dir DIR
# Exits non-zero when a watch event was lost or a process was left behind. Not part of `make test`.
#
# usage: scripts/bench-local-cluster.sh [--external KUBECONFIG] [--objects 1000] [--concurrency 8]
#          [--gets 2000] [--watchers 20] [--updates 500] [--burst 1000] [--pods 20]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "building bench/Sympozium.Bench.LocalCluster (Release) ..." >&2
build=$(dotnet build bench/Sympozium.Bench.LocalCluster -c Release -nologo -v:q 2>&1) || { echo "$build" >&2; exit 1; }
dotnet bench/Sympozium.Bench.LocalCluster/bin/Release/net10.0/Sympozium.Bench.LocalCluster.dll "$@"
