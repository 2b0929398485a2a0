#!/usr/bin/env bash
# Agent runner benchmark (issue: agent pod data plane): AOT binary size, cold start to the first
# LLM request, idle and peak RSS, for the Native AOT binary and a JIT build of the same code,
# measured in one run against the scripted LLM server. Not part of `make test`.
#
# usage: scripts/bench-agent-runner.sh [runs]   (default 20)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${1:-20}

aot-profiles/publish-all.sh --only Sympozium.AgentRunner >/dev/null
aot=artifacts/bin/Sympozium.AgentRunner/agent-runner
jit_dir=artifacts/jit/agent-runner
dotnet publish components/Sympozium.AgentRunner -c Release -p:PublishAot=false -p:SelfContained=false -r linux-x64 -o "$jit_dir" -nologo -v:q >/dev/null
dotnet build bench/Sympozium.Bench.AgentRunner -c Release -nologo -v:q >/dev/null

echo "AOT binary: $(stat -c %s "$aot") bytes ($(numfmt --to=iec-i --suffix=B "$(stat -c %s "$aot")"))"
echo "JIT build:  $(du -sb "$jit_dir" | cut -f1) bytes on disk plus the shared .NET runtime"
dotnet bench/Sympozium.Bench.AgentRunner/bin/Release/net10.0/Sympozium.Bench.AgentRunner.dll "$runs" \
  "aot=$root/$aot" "jit=dotnet $root/$jit_dir/agent-runner.dll"
