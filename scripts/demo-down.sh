#!/usr/bin/env bash
# What 'make demo-down' runs: stops everything 'make demo' (scripts/demo.sh) started — the local
# cluster (SIGTERM: it stops its pods' processes, then exits), any pod process group it left
# behind (from its record, artifacts/demo/cluster/kubelet/process-groups) and the scripted LLM —
# removes the cluster's state, and checks that no process is left.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
demo=$root/artifacts/demo

say() { echo "==> $*"; }

# Stops the process in PIDFILE: SIGTERM, up to GRACE seconds, then SIGKILL.
stop() {
  local pidfile=$1 what=$2 grace=$3 pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $(( grace * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      echo "    $what (pid $pid) did not stop within $grace s: killed"
    else
      echo "    stopped $what (pid $pid)"
    fi
  fi
  rm -f "$pidfile"
}

say "stopping the demo"
if [[ ! -e $demo/cluster.pid && ! -e $demo/llm.pid ]]; then
  echo "    no demo pid file in artifacts/demo/: nothing was running"
fi
stop "$demo/cluster.pid" "the local cluster and its pods" 30
stop "$demo/llm.pid" "the scripted LLM" 10

# Pod process groups a killed cluster could not stop (each line: pgid and start time, field 22 of
# /proc/PID/stat, so a recycled pid is never hit).
groups=$demo/cluster/kubelet/process-groups
if [[ -f $groups ]]; then
  while read -r pgid start; do
    if [[ -r /proc/$pgid/stat ]] && [[ $(sed -E 's/^.*\) //' "/proc/$pgid/stat" | cut -d' ' -f20) == "$start" ]]; then
      kill -KILL -- "-$pgid" 2>/dev/null || true
      echo "    killed the leftover pod process group $pgid"
    fi
  done < "$groups"
fi
rm -rf "$demo/cluster" "$demo/kubeconfig.path" "$demo/llm.url"

# Nothing may be left: no process whose command line or working directory names the demo
# directory, no pod process (the kubelet gives each SYMPOZIUM_ROOT=<its pod directory>), no
# scripted LLM. (Not any KUBECONFIG=...: the user's own shell may export the demo's.)
sleep 0.5
left=()
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
  cmdline=$(tr '\0' ' ' 2>/dev/null < "$proc/cmdline") || continue
  cwd=$(readlink "$proc/cwd" 2>/dev/null) || cwd=""
  if [[ $cmdline == *"$demo"* || $cmdline == *"sympozium-demo.dll serve-llm"* || $cwd == "$demo"* ]] \
    || grep -qz "^SYMPOZIUM_ROOT=$demo/" "$proc/environ" 2>/dev/null; then
    left+=("$pid $cmdline")
  fi
done
if (( ${#left[@]} > 0 )); then
  echo "error: processes of the demo are still running:" >&2
  printf '    %s\n' "${left[@]}" >&2
  exit 1
fi
echo "    no process of the demo is left (checked every process's command line, working directory and SYMPOZIUM_ROOT for $demo)"
