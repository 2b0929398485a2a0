#!/usr/bin/env bash
# What 'make demo' runs: builds what the demo needs, starts the local cluster in the background
# (its pods run the host's nats-server, the controller and the webhook as their JIT builds, agent
# runs and channels as their Native AOT binaries), installs the control
# plane from crds/ and deploy/control-plane/, creates the SympoziumInstance demo/assistant and
# sends it one message as an AgentRun through the Kubernetes API, then prints the agent's reply
# and the objects created. The system keeps running; 'make demo-down' (scripts/demo-down.sh)
# stops it. Everything lives in artifacts/demo/: pid files, logs, the cluster's state.
#
# The model: a local Ollama when one answers on 127.0.0.1:11434 (its first model), otherwise a
# scripted stand-in LLM (sympozium-demo serve-llm) that answers with a fixed reply.
# A second 'make demo' while the demo runs reuses the running cluster (no rebuild) and sends a
# new message; after 'make demo-down' it starts afresh.
#
# Environment: CONFIGURATION (default Release); SYMPOZIUM_RUN_PATH=jit runs the run path from
# its JIT build instead of the AOT binaries (default aot).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
configuration=${CONFIGURATION:-Release}
demo=$root/artifacts/demo
demo_dll=components/Sympozium.Demo/bin/$configuration/net10.0/sympozium-demo.dll
cluster_dll=components/Sympozium.LocalCluster/bin/$configuration/net10.0/sympozium-local-cluster.dll
export PATH=$PATH:/usr/sbin
mkdir -p "$demo"

say() { echo "==> $*"; }
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts a command in a session of its own (so demo-down can stop it and everything it started),
# detached from this shell, writing its pid to PIDFILE and its output to LOG.
start_detached() {
  local pidfile=$1 log=$2
  shift 2
  rm -f "$pidfile"
  nohup setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null &
  for _ in $(seq 50); do [[ -s $pidfile ]] && return 0; sleep 0.1; done
  echo "error: $* did not start; see $log" >&2
  exit 1
}

# Waits until LOG has a line starting with PREFIX (printing the rest of it), while PIDFILE's process lives.
wait_for_line() {
  local pidfile=$1 log=$2 prefix=$3 what=$4 timeout=$5 start=$SECONDS
  while ! grep -q "^$prefix" "$log"; do
    if ! alive "$pidfile"; then
      echo "error: $what exited before it was ready; the end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if (( SECONDS - start > timeout )); then
      echo "error: $what was not ready within $timeout s; the end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  grep -m1 "^$prefix" "$log" | cut -c$(( ${#prefix} + 1 ))-
}

if alive "$demo/cluster.pid" && [[ -s $demo/kubeconfig.path ]]; then
  kubeconfig=$(cat "$demo/kubeconfig.path")
  say "the demo is already running (local cluster pid $(cat "$demo/cluster.pid")): reusing it, not rebuilding ('make demo-down' first to rebuild and start afresh)"
else
  if [[ -e $demo/cluster.pid || -e $demo/llm.pid ]]; then
    say "a previous demo was not stopped: stopping what is left of it"
    scripts/demo-down.sh
  fi

  say "prerequisites"
  scripts/ensure-packages.sh nats-server
  echo "    nats-server $(nats-server --version | awk '{print $NF}'), dotnet $(dotnet --version)"

  say "building the demo, the local cluster, controller and webhook ($configuration; log: artifacts/demo/build.log)"
  build_start=$SECONDS
  set +e
  dotnet build components/Sympozium.Demo -c "$configuration" -nologo -v:m 2>&1 | tee "$demo/build.log" \
    | grep --line-buffered -E '^ *[A-Za-z.]+ -> ' | sed -u -E 's#^ *([^ ]+) -> .*#    built \1#'
  status=${PIPESTATUS[0]}
  set -e
  if (( status != 0 )); then
    echo "error: the build failed; the errors from artifacts/demo/build.log:" >&2
    grep -E ': error ' "$demo/build.log" | sort -u >&2 || tail -n 30 "$demo/build.log" >&2
    exit 1
  fi
  echo "    build done ($(( SECONDS - build_start )) s)"

  # The run path runs as Native AOT binaries (Sympozium.Install/LocalImageMap.cs). agent-runner
  # and ipc-bridge serve the demo's message, so they are published now; a channel binary is
  # published when a channel pod first needs it (the local kubelet's image pull), or refreshed
  # here when one exists from an earlier demo. publish-all.sh reuses binaries whose inputs are
  # unchanged.
  run_path=(--only Sympozium.AgentRunner --only Sympozium.IpcBridge)
  for channel in Telegram Slack Discord WhatsApp; do
    [[ -d artifacts/bin/Sympozium.Channel.$channel ]] && run_path+=(--only "Sympozium.Channel.$channel")
  done
  if [[ ${SYMPOZIUM_RUN_PATH:-aot} == aot ]]; then
    say "Native AOT binaries of the run path (log: artifacts/demo/aot.log; about a minute each when their sources changed)"
    aot_start=$SECONDS
    if ! aot-profiles/publish-all.sh "${run_path[@]}" >"$demo/aot.log" 2>&1; then
      echo "error: the AOT publish failed; the end of artifacts/demo/aot.log:" >&2
      tail -n 30 "$demo/aot.log" >&2
      exit 1
    fi
    grep -E '^--- |^    ok in' "$demo/aot.log" | sed -E 's/^--- /    /; s/^    ok in/      published in/'
    echo "    AOT done ($(( SECONDS - aot_start )) s)"
  fi

  say "starting the local cluster (log: artifacts/demo/cluster.log)"
  rm -rf "$demo/cluster"
  dotnet "$demo_dll" images "$demo/images.yaml"
  start_detached "$demo/cluster.pid" "$demo/cluster.log" dotnet "$cluster_dll" --dir "$demo/cluster" --images "$demo/images.yaml"
  kubeconfig=$(wait_for_line "$demo/cluster.pid" "$demo/cluster.log" "ready kubeconfig=" "the local cluster" 120)
  echo "$kubeconfig" > "$demo/kubeconfig.path"
  echo "    API server up, pid $(cat "$demo/cluster.pid"), kubeconfig $kubeconfig"
fi

say "choosing the model"
if model=$(dotnet "$demo_dll" ollama-model); then
  provider=ollama
  base_url=http://127.0.0.1:11434
  echo "    a local Ollama answers on 127.0.0.1:11434: using its model $model (provider ollama)"
else
  provider=scripted
  model=scripted-demo
  if alive "$demo/llm.pid" && [[ -s $demo/llm.url ]]; then
    base_url=$(cat "$demo/llm.url")
  else
    start_detached "$demo/llm.pid" "$demo/llm.log" dotnet "$demo_dll" serve-llm
    base_url=$(wait_for_line "$demo/llm.pid" "$demo/llm.log" "ready url=" "the scripted LLM" 30)
    echo "$base_url" > "$demo/llm.url"
  fi
  echo "    no Ollama answers on 127.0.0.1:11434: using the SCRIPTED LLM at $base_url (pid $(cat "$demo/llm.pid")), which replies with a fixed text"
fi

say "control plane and one message (the HTTP path: an AgentRun created through the Kubernetes API)"
if ! dotnet "$demo_dll" run --kubeconfig "$kubeconfig" --provider "$provider" --model "$model" --base-url "$base_url"; then
  echo "error: the demo run failed (details above). The system is still running: logs in artifacts/demo/ and 'kubectl get pods -A' with KUBECONFIG=$kubeconfig; 'make demo-down' stops it." >&2
  exit 1
fi

echo
say "objects created"
if command -v kubectl >/dev/null 2>&1; then
  echo "\$ kubectl get sympoziuminstances,agentruns,jobs,pods -n demo"
  kubectl --kubeconfig "$kubeconfig" get sympoziuminstances,agentruns,jobs,pods -n demo
  echo
  echo "\$ kubectl get deployments,services,pods -n sympozium-system"
  kubectl --kubeconfig "$kubeconfig" get deployments,services,pods -n sympozium-system
else
  echo "    (kubectl is not installed: skipping the listing)"
fi

echo
say "the demo is running: local cluster pid $(cat "$demo/cluster.pid")$([[ $provider == scripted ]] && echo ", scripted LLM pid $(cat "$demo/llm.pid")"); logs in artifacts/demo/"
echo "    export KUBECONFIG=$kubeconfig"
echo "    kubectl get agentruns -n demo        # 'make demo' again sends another message"
echo "    make demo-down                       # stops everything the demo started"
