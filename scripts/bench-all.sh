#!/usr/bin/env bash
# Runs every benchmark of the run path and the controller and writes docs/benchmarks.md: the
# figures of the "fast by construction" table (medians; p99 where named), for this tree and, with
# --base REV, for REV measured in the same session on the same machine (its own benchmark scripts
# in a temporary git worktree), with ratios. Raw outputs go to artifacts/bench/<time>/ and are
# appended to the document. Not part of `make test`; takes 15-30 minutes on 2 cores.
#
# usage: scripts/bench-all.sh [--base REV] [--runs 20] [--messages 30] [--controller-runs 500]
#          [--out FILE]   (default docs/benchmarks.md)
#        scripts/bench-all.sh --report DIR [--base REV] [same options]
#          writes the document from the raw outputs of an earlier run in DIR (artifacts/bench/<time>)
#          without running anything; base figures are read where DIR has them
#
# What runs (each script's header says how it measures):
#   scripts/bench-message-latency.sh  AgentRuns through the API hop by hop, Telegram messages
#                                      sequential and 10 in flight; once with the run path and
#                                      control plane as Native AOT binaries, once as JIT builds
#   scripts/bench-controller.sh       500 AgentRuns at once: Jobs, Succeeded, controller RSS, binary
#   scripts/bench-data-plane-bus.sh   ipc-bridge binary, cold start to ready, idle RSS
#   scripts/bench-agent-runner.sh     agent-runner start to first LLM request
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

base=
report=
runs=20
messages=30
controller_runs=500
doc=docs/benchmarks.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --base) base=${2:?--base needs a git revision}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --messages) messages=${2:?}; shift 2 ;;
    --controller-runs) controller_runs=${2:?}; shift 2 ;;
    --out) doc=${2:?}; shift 2 ;;
    --report) report=${2:?--report needs the folder of an earlier run}; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

started=$(date -u +%Y-%m-%dT%H:%MZ)
out=artifacts/bench/$(date -u +%Y%m%d-%H%M%S)
if [[ -n $report ]]; then
  out=$report
  started=$(date -u -r "$out" +%Y-%m-%dT%H:%MZ)
fi
mkdir -p "$out"
failures=()

# bench NAME DIR COMMAND...: runs COMMAND in DIR, stdout to $out/NAME.txt, stderr to NAME.err.
bench() {
  local name=$1 dir=$2
  shift 2
  echo "== $name: $* (in $dir)" >&2
  local start=$SECONDS
  if (cd "$dir" && "$@") >"$out/$name.txt" 2>"$out/$name.err"; then
    echo "   done in $((SECONDS - start)) s" >&2
  else
    echo "   FAILED after $((SECONDS - start)) s; the end of $out/$name.err:" >&2
    tail -n 15 "$out/$name.err" >&2
    failures+=("$name")
  fi
}

# metric FILE NAME: the value of a "NAME: VALUE UNIT" line (first number), or "n/a".
metric() {
  local value
  value=$(grep -m1 -E "^$2: " "$1" 2>/dev/null | sed -E 's/^[^:]+: *([0-9.]+).*/\1/') || true
  echo "${value:-n/a}"
}

# seconds FILE PREFIX: the seconds of a "PREFIX...: 12.3 s" line, or "n/a".
seconds() {
  local value
  value=$(grep -m1 -E "^$2" "$1" 2>/dev/null | sed -E 's/^[^:]+: *([0-9.]+) s.*/\1/') || true
  [[ $value =~ ^[0-9.]+$ ]] && echo "$value" || echo "n/a"
}

# bridge FILE ROW: the AOT column of a row of the ipc-bridge table (first number), or "n/a".
bridge() {
  local value
  value=$(grep -m1 -E "^$2" "$1" 2>/dev/null | awk -F'  +' '{ print $2 }' | grep -oE '^[0-9.]+') || true
  echo "${value:-n/a}"
}

# runner FILE LABEL: start -> first LLM request (median ms) of a build in the agent-runner table.
runner() {
  local value
  value=$(grep -m1 -E "^$2 " "$1" 2>/dev/null | awk '{ print $2 }') || true
  echo "${value:-n/a}"
}

ratio() {
  [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }' || echo "n/a"
}

mib() {
  [[ $1 =~ ^[0-9]+$ ]] && awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }' || echo "n/a"
}

if [[ -z $report ]]; then
# --- this tree
bench aot-messages "$root" env SYMPOZIUM_RUN_PATH=aot SYMPOZIUM_CONTROL_PLANE=aot \
  scripts/bench-message-latency.sh --runs "$runs" --messages "$messages" --concurrency 10
bench jit-runs "$root" env SYMPOZIUM_RUN_PATH=jit SYMPOZIUM_CONTROL_PLANE=jit \
  scripts/bench-message-latency.sh --runs "$runs" --messages 0
bench controller "$root" scripts/bench-controller.sh --runs "$controller_runs"
bench bridge "$root" scripts/bench-data-plane-bus.sh 10 1000 0
bench runner "$root" scripts/bench-agent-runner.sh 20

# --- the base revision, same session
base_label=
if [[ -n $base ]]; then
  base_dir=$root/artifacts/bench/base-src
  base_label=$(git rev-parse --short "$base")
  git worktree remove --force "$base_dir" 2>/dev/null || rm -rf "$base_dir"
  git worktree add --detach "$base_dir" "$base" >/dev/null
  bench base-messages "$base_dir" scripts/bench-message-latency.sh --messages "$messages" --concurrency 10
  bench base-controller "$base_dir" scripts/bench-controller.sh --runs "$controller_runs"
  bench base-bridge "$base_dir" scripts/bench-data-plane-bus.sh 10 1000 0
  bench base-runner "$base_dir" scripts/bench-agent-runner.sh 20
  stat -c %s "$base_dir/artifacts/bin/Sympozium.IpcBridge/ipc-bridge" >"$out/base-ipc-bridge.bytes" 2>/dev/null || true
  git worktree remove --force "$base_dir"
fi
else
  [[ -n $base ]] && base_label=$(git rev-parse --short "$base")
  for name in aot-messages jit-runs controller bridge runner ${base:+base-messages base-controller base-bridge base-runner}; do
    [[ -s $out/$name.txt ]] || failures+=("$name")
  done
fi

# --- the figures
b() { if [[ -n $base ]]; then "$@"; else echo "-"; fi; }
rows=()
row() { # figure, target, base value, this value (lower is better; the ratio is this/base)
  local r=-
  [[ -n $base || $3 == *"(JIT)" ]] && r=$(ratio "${3%% *}" "$4")
  rows+=("| $1 | $2 | $3 | $4 | $r |")
}
A=$out/aot-messages.txt
J=$out/jit-runs.txt
C=$out/controller.txt
row "AgentRun created → agent process running, p50 (ms)" "≤ 100" "$(metric "$J" api_run_created_to_agent_running_p50) (JIT)" "$(metric "$A" api_run_created_to_agent_running_p50)"
row "AgentRun created → Succeeded (instant LLM), p50 (ms)" "≤ 150" "$(metric "$J" api_run_created_to_run_succeeded_p50) (JIT)" "$(metric "$A" api_run_created_to_run_succeeded_p50)"
row "Telegram message → reply, sequential p50 (ms)" "≤ 300" "$(b metric "$out/base-messages.txt" sequential_message_to_reply_p50)" "$(metric "$A" sequential_message_to_reply_p50)"
row "Telegram message → reply, sequential p99 (ms)" "≤ 1,000" "$(b metric "$out/base-messages.txt" sequential_message_to_reply_p99)" "$(metric "$A" sequential_message_to_reply_p99)"
row "10 messages in flight, throughput (msg/s; higher is better)" "≥ 8" "$(b metric "$out/base-messages.txt" concurrent10_throughput)" "$(metric "$A" concurrent10_throughput)"
row "$controller_runs AgentRuns → $controller_runs Jobs (s)" "≤ 10" "$(b seconds "$out/base-controller.txt" "time until all $controller_runs Jobs exist")" "$(seconds "$C" "time until all $controller_runs Jobs exist")"
row "$controller_runs AgentRuns → all Succeeded (s)" "≤ 60" "$(b seconds "$out/base-controller.txt" "time until all $controller_runs runs finished")" "$(seconds "$C" "time until all $controller_runs runs finished")"
row "controller peak RSS under that load (MiB)" "≤ 100" "$(b metric "$out/base-controller.txt" "controller rss peak during load \\(100 ms samples\\)")" "$(metric "$C" "controller rss peak during load \\(100 ms samples\\)")"
row "ipc-bridge binary (MB)" "≤ 8" "$(b mib "$(cat "$out/base-ipc-bridge.bytes" 2>/dev/null || echo n/a)")" "$(mib "$(stat -c %s artifacts/bin/Sympozium.IpcBridge/ipc-bridge 2>/dev/null || echo n/a)")"
row "ipc-bridge cold start → ready (ms)" "≤ 25" "$(b bridge "$out/base-bridge.txt" "cold start to ready")" "$(bridge "$out/bridge.txt" "cold start to ready")"
row "ipc-bridge idle RSS (MiB)" "≤ 12" "$(b bridge "$out/base-bridge.txt" "idle RSS")" "$(bridge "$out/bridge.txt" "idle RSS")"
row "agent-runner start → first LLM request (ms)" "≤ 30" "$(b runner "$out/base-runner.txt" aot)" "$(runner "$out/runner.txt" aot)"
row "controller binary (MB)" "≤ 25" "$(b mib "$(grep -m1 '^aot binary size' "$out/base-controller.txt" 2>/dev/null | grep -oE '[0-9]+ bytes' | grep -oE '[0-9]+' || echo n/a)")" "$(mib "$(grep -m1 '^aot binary size' "$C" | grep -oE '[0-9]+ bytes' | grep -oE '[0-9]+' || echo n/a)")"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench-all.sh$([[ -n $base ]] && echo " --base $base")\` on $started (UTC) — do not edit by hand."
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 '^PRETTY_NAME=' /etc/os-release | cut -d= -f2 | tr -d '"'), .NET SDK $(dotnet --version)."
  echo "Everything runs on this one machine: the local cluster (API server, kubelet, controllers) in the benchmark's process, the pods as host processes, the host's nats-server, the scripted LLM answering at once."
  echo
  echo "| figure | target | $([[ -n $base ]] && echo "main ($base_label)" || echo "base") | this tree | this / base |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "How each figure is taken:"
  echo
  echo "- **AgentRun created → …**: \`scripts/bench-message-latency.sh --runs $runs\` creates $runs AgentRuns through the API one after another (after one warm-up) and times every hop by watches on AgentRuns, Jobs and pods (first seen on the benchmark's monotonic clock; the API server's timestamps have whole seconds). \"This tree\" runs the run path and the control plane as Native AOT binaries; the base column of these two rows is the same tree on JIT builds (\`SYMPOZIUM_RUN_PATH=jit SYMPOZIUM_CONTROL_PLANE=jit\`), the way \`make demo\` ran before, because main's benchmark has no per-run mode. Every hop's p50/p99 is in the raw output below."
  echo "- **Telegram message → reply**: the same script, $messages messages to the fake Telegram API one after another, then $messages with 10 in flight; from the message handed to the fake API to the reply it received."
  echo "- **$controller_runs AgentRuns**: \`scripts/bench-controller.sh --runs $controller_runs\`: created at once by 16 clients; the AOT controller; the pods run stand-in agent and bridge scripts; RSS sampled every 100 ms."
  echo "- **ipc-bridge**: \`scripts/bench-data-plane-bus.sh\`: the stripped AOT binary; median of 10 cold starts to its ready line; VmRSS once idle."
  echo "- **agent-runner**: \`scripts/bench-agent-runner.sh 20\`: median of 20 runs from process start to the scripted LLM receiving the first request."
  echo "- **controller binary**: the stripped AOT binary \`scripts/bench-controller.sh\` runs."
  if [[ ${#failures[@]} -gt 0 ]]; then
    echo
    echo "**Failed benchmarks** (their figures are n/a): ${failures[*]}; see the raw output."
  fi
  echo
  echo "## Raw output"
  for f in "$out"/*.txt; do
    echo
    echo "### $(basename "$f" .txt)"
    echo
    echo '```'
    cat "$f"
    echo '```'
  done
} >"$doc"
echo "wrote $doc (raw outputs in $out/)" >&2
[[ ${#failures[@]} -eq 0 ]]
