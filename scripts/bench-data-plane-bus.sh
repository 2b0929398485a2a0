#!/usr/bin/env bash
# Data-plane bus benchmark (issue: event bus + ipc-bridge): the ipc-bridge's AOT binary size,
# cold start to ready, idle RSS and peak RSS while relaying files, for the Native AOT binary and a
# JIT build of the same code (figures and AOT/JIT ratios from one run, runs interleaved), plus
# EventBus publish->consume latency p50/p99 on a local nats-server. Not part of `make test`.
#
# usage: scripts/bench-data-plane-bus.sh [runs] [files] [messages]   (defaults 5, 1000, 2000)
# needs: nats-server (apt-get install -y nats-server)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${1:-5}
files=${2:-1000}
messages=${3:-2000}

aot_dir=artifacts/bin/Sympozium.IpcBridge
jit_dir=artifacts/jit/ipc-bridge
log=artifacts/logs/aot/Sympozium.IpcBridge-linux-x64.log
mkdir -p "$(dirname "$log")"

# The same publish command as aot-profiles/publish-all.sh and the image build.
echo "AOT publish of the ipc-bridge ..."
aot-profiles/publish-one.sh components/Sympozium.IpcBridge/Sympozium.IpcBridge.csproj "$aot_dir" linux-x64 >"$log" 2>&1 ||
  { tail -n 30 "$log"; exit 1; }
il_warnings=$(grep -oE '(warning|error) IL[23][0-9]{3}[^[]*' "$log" | sort -u | wc -l || true)

echo "JIT publish of the same code (framework-dependent, no trimming) ..."
dotnet publish components/Sympozium.IpcBridge -c Release -p:PublishAot=false -p:SelfContained=false -r linux-x64 \
  -o "$jit_dir" -nologo -v:q >/dev/null
dotnet build bench/Sympozium.Bench.DataPlaneBus -c Release -nologo -v:q >/dev/null

aot_bytes=$(stat -c %s "$aot_dir/ipc-bridge")
jit_bytes=$(du -sb "$jit_dir" | cut -f1)
runtime_dir=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2; p = $3 } END { gsub(/[\[\]]/, "", p); print p "/" v }')
runtime_bytes=$(du -sb "$runtime_dir" | cut -f1)
echo
{
  echo "size|AOT|JIT|AOT/JIT"
  echo "ipc-bridge binary vs JIT app folder|$aot_bytes B|$jit_bytes B|$(awk -v a="$aot_bytes" -v j="$jit_bytes" 'BEGIN { printf "%.2f", a / j }')"
  echo "what an image needs (JIT: app + shared runtime $(basename "$runtime_dir"))|$aot_bytes B|$((jit_bytes + runtime_bytes)) B|$(awk -v a="$aot_bytes" -v j="$((jit_bytes + runtime_bytes))" 'BEGIN { printf "%.2f", a / j }')"
} | scripts/table.sh
echo "IL2xxx/IL3xxx warnings in the AOT publish: $il_warnings"
echo

dotnet bench/Sympozium.Bench.DataPlaneBus/bin/Release/net10.0/Sympozium.Bench.DataPlaneBus.dll \
  --aot "$root/$aot_dir/ipc-bridge" --jit "$root/$jit_dir/ipc-bridge" \
  --runs "$runs" --files "$files" --messages "$messages" |
  awk '/\|/ { table = table $0 "\n"; next } { if (table != "") { printf "%s", table | "scripts/table.sh"; close("scripts/table.sh"); table = "" } print }
       END { if (table != "") { printf "%s", table | "scripts/table.sh" } }'
[[ $il_warnings -eq 0 ]]
