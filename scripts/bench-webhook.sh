#!/usr/bin/env bash
# Admission webhook benchmark: Native AOT binary size, time from process start to the
# first admitted AdmissionReview, idle RSS, and admission latency (p50/p90/p99) over N requests
# on one keep-alive HTTPS connection, for the validating and the mutating path. The webhook runs
# against the local cluster (instance bound to the restrictive preset), reading it through its
# informer caches. Not part of `make test`.
#
# usage: scripts/bench-webhook.sh [requests] [--no-publish]   (default 500; --no-publish reuses artifacts/bin)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
requests=500
publish=1
for arg in "$@"; do
  case $arg in
    --no-publish) publish=0 ;;
    *) requests=$arg ;;
  esac
done

binary=artifacts/bin/Sympozium.Webhook/webhook
if [[ $publish -eq 1 || ! -x $binary ]]; then
  aot-profiles/publish-all.sh --only Sympozium.Webhook >/dev/null
fi
dotnet build components/Sympozium.LocalCluster -c Release -nologo -v:q >/dev/null
kubectl=$(ls /usr/lib/google-cloud-sdk/bin/kubectl.1.32 2>/dev/null || command -v kubectl)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- cluster: CRDs, the presets, an instance bound to "restrictive" -----------------------------
dotnet components/Sympozium.LocalCluster/bin/Release/net10.0/sympozium-local-cluster.dll --dir "$work/cluster" >"$work/cluster.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '^ready' "$work/cluster.log" && break; sleep 0.1; done
export KUBECONFIG=$work/cluster/kubeconfig
[[ -f $KUBECONFIG ]] || KUBECONFIG=$(sed -n 's/^ready kubeconfig=//p' "$work/cluster.log")
export HOME=$work
k() { "$kubectl" "$@" >/dev/null; }
k apply -f crds/
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sympozium-system}\n' | k apply -f -
k apply -f deploy/policies/
k apply -f - <<'YAML'
apiVersion: sympozium.ai/v1alpha1
kind: SympoziumInstance
metadata: {name: assistant, namespace: sympozium-system}
spec:
  policyRef: restrictive
  agents: {default: {model: gpt-4o, sandbox: {enabled: true}}}
YAML

review() { # $1 = uid
  cat <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"$1","kind":{"group":"sympozium.ai","version":"v1alpha1","kind":"AgentRun"},"namespace":"sympozium-system","name":"r1","operation":"CREATE","object":{"apiVersion":"sympozium.ai/v1alpha1","kind":"AgentRun","metadata":{"name":"r1","namespace":"sympozium-system"},"spec":{"instanceRef":"assistant","agentId":"primary","sessionKey":"","task":"hello","model":{"provider":"openai","model":"gpt-4o","authSecretRef":""},"sandbox":{"enabled":true},"toolPolicy":{"allow":["read_file"]}}}}}
JSON
}
review bench >"$work/review.json"

# ---- start to first admitted request ------------------------------------------------------------
# Twice: the first start generates the CA and stores it in a Secret (first install); the second
# reads it back, as every restart and every further replica does.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=https://127.0.0.1:$port
start_webhook() { # prints ms from exec to the first "allowed":true; sets $webhook
  local start admitted=
  start=$(date +%s%N)
  WEBHOOK_PORT=$port WEBHOOK_BIND_ADDRESS=127.0.0.1 POD_NAMESPACE=sympozium-system WEBHOOK_CERT_HOSTS=127.0.0.1 \
    WEBHOOK_CERT_DIR=$work/no-certs "$binary" >>"$work/webhook.log" 2>&1 &
  webhook=$!
  pids+=($webhook)
  for _ in $(seq 20000); do
    curl -sk --max-time 1 -o /dev/null "$url/healthz" 2>/dev/null && break
  done
  listening=$(( ($(date +%s%N) - start) / 1000000 ))
  for _ in $(seq 20000); do
    if curl -sk --max-time 1 -H 'Content-Type: application/json' --data-binary @"$work/review.json" "$url/validate-agent-pods" 2>/dev/null | grep -q '"allowed":true'; then
      admitted=$(date +%s%N)
      break
    fi
  done
  [[ -n $admitted ]] || { echo "error: the webhook never admitted the request" >&2; cat "$work/webhook.log" >&2; exit 1; }
  echo "$(( (admitted - start) / 1000000 )) ms, serving HTTPS after $listening ms"
}
start_webhook >"$work/first"
first_install_ms=$(cat "$work/first")
kill "$webhook"
wait "$webhook" 2>/dev/null || true
start_webhook >"$work/second"
first_ms=$(cat "$work/second")

sleep 2
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$webhook/status")

# ---- latency on one keep-alive connection ---------------------------------------------------------
latency() { # $1 = path; prints p50 p90 p99 in ms
  yes "url = \"$url$1\"
output = \"/dev/null\"" | head -n $((requests * 2)) >"$work/urls"
  curl -sk -H 'Content-Type: application/json' --data-binary @"$work/review.json" -K "$work/urls" \
    -w '%{time_total}\n' | python3 -c '
import sys
t = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(f"{q(0.5):.2f} {q(0.9):.2f} {q(0.99):.2f} n={len(t)}")'
}
validate=$(latency /validate-agent-pods)
mutate=$(latency /mutate-agent-pods)
loaded_rss=$(awk '/VmRSS/ {print $2}' "/proc/$webhook/status")

size=$(stat -c %s "$binary")
echo "webhook AOT binary:              $size bytes ($(numfmt --to=iec-i --suffix=B "$size"))"
echo "start to first admitted request: ${first_ms} (restart: CA read from its Secret)"
echo "                                 ${first_install_ms} (first install: CA generated and stored)"
echo "idle RSS (2 s after it):         $((idle_rss / 1024)) MiB ($idle_rss KiB)"
echo "validate latency p50/p90/p99:    $validate ms ($requests requests, one keep-alive connection)"
echo "mutate latency p50/p90/p99:      $mutate ms"
echo "RSS after the load:              $((loaded_rss / 1024)) MiB"
