#!/usr/bin/env bash
# Message -> reply latency: the control plane installed into the in-process local
# cluster as the e2e/local suite does it (JIT builds of the controller, webhook, Telegram channel,
# agent-runner and ipc-bridge as the pods' processes, the host's nats-server), a fake Telegram API
# and the instant scripted LLM. --messages messages one after another, then the same number with
# --concurrency in flight; p50/p99 of each step (channel -> AgentRun created -> Job created -> agent
# process started -> run Succeeded -> reply) and of the whole, as "metric: value unit" on stdout,
# progress on stderr. Steps are first-seen times of a 50 ms poller (cluster timestamps have whole
# seconds only). Not part of `make test`.
#
# usage: scripts/bench-message-latency.sh [--messages 50] [--concurrency 10]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "building bench/Sympozium.Bench.MessageLatency (Release) ..." >&2
build=$(dotnet build bench/Sympozium.Bench.MessageLatency -c Release -nologo -v:q 2>&1) || { echo "$build" >&2; exit 1; }
dotnet bench/Sympozium.Bench.MessageLatency/bin/Release/net10.0/Sympozium.Bench.MessageLatency.dll "$@"
