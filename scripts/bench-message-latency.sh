#!/usr/bin/env bash
# Run and message latency: the control plane installed into the in-process local cluster as the
# e2e/local suite does it (the run path — agent-runner, ipc-bridge, Telegram channel — and the
# controller and webhook as their Native AOT binaries, or their JIT builds with
# SYMPOZIUM_RUN_PATH=jit / SYMPOZIUM_CONTROL_PLANE=jit; the host's nats-server), a fake Telegram API and the instant scripted LLM.
# First --runs AgentRuns created through the API one after another, every hop timed by watches
# (run created -> Job -> pod -> ipc-bridge started -> agent running -> LLM request -> agent exited
# -> pod finished -> Job complete -> run Succeeded); then --messages messages one after another
# and the same number with --concurrency in flight, p50/p99 of each step (channel -> AgentRun ->
# Job -> agent started -> run Succeeded -> reply; first-seen times of a 50 ms poller). Figures as
# "metric: value unit" on stdout, progress on stderr. Not part of `make test`.
#
# usage: scripts/bench-message-latency.sh [--runs 20] [--messages 50] [--concurrency 10]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "building bench/Sympozium.Bench.MessageLatency (Release) ..." >&2
build=$(dotnet build bench/Sympozium.Bench.MessageLatency -c Release -nologo -v:q 2>&1) || { echo "$build" >&2; exit 1; }
export SYMPOZIUM_RUN_PATH=${SYMPOZIUM_RUN_PATH:-aot} SYMPOZIUM_CONTROL_PLANE=${SYMPOZIUM_CONTROL_PLANE:-aot}
publish=()
[[ $SYMPOZIUM_RUN_PATH == aot ]] && publish+=(--only Sympozium.AgentRunner --only Sympozium.IpcBridge --only Sympozium.Channel.Telegram)
[[ $SYMPOZIUM_CONTROL_PLANE == aot ]] && publish+=(--only Sympozium.Controller --only Sympozium.Webhook)
if [[ ${#publish[@]} -gt 0 ]]; then
  echo "publishing the Native AOT binaries (reused when unchanged) ..." >&2
  aot-profiles/publish-all.sh "${publish[@]}" >&2
fi
echo "run path: $SYMPOZIUM_RUN_PATH, control plane: $SYMPOZIUM_CONTROL_PLANE" >&2
dotnet bench/Sympozium.Bench.MessageLatency/bin/Release/net10.0/Sympozium.Bench.MessageLatency.dll "$@"
