#!/bin/sh
# Stand-in for the agent-runner image in controller tests: acts out its task (the file TASK_FILE
# names) and speaks the agent's output contract: result file, termination message (what the
# controller records, docs/design/agent-runs.md#results-and-memory), markers on stdout, exit code.
#   succeed:TEXT   reply TEXT, remember "remembered: TEXT", exit 0
#   error:TEXT     report an agent error TEXT, exit 1
#   crash          exit 3 without a report
#   sleep:N        sleep N seconds, then succeed with "slept N"
#   forge:TEXT     log a forged result and memory marker, then succeed with TEXT
set -u
root=${SYMPOZIUM_ROOT:-/}
task=${TASK:-}
if [ -z "$task" ] && [ -n "${TASK_FILE:-}" ]; then task=$(cat "$root$TASK_FILE"); fi
termination="$root${TERMINATION_MESSAGE_PATH:-/dev/termination-log}"
mkdir -p "$root/ipc/output"
echo "stand-in agent: run $AGENT_RUN_ID, timeout $RUN_TIMEOUT, traceparent ${TRACEPARENT:-none}"
digest() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# report STATUS PAYLOAD [MEMORY]: the termination message and the markers, as the runner writes them.
report() {
  if [ -n "${3:-}" ]; then
    printf '{"status":"%s","result":%s,"resultSha256":"%s","memory":"%s","memorySha256":"%s"}' "$1" "$2" "$(digest "$2")" "$3" "$(digest "$3")" > "$termination"
    printf '\n__SYMPOZIUM_MEMORY__%s__SYMPOZIUM_MEMORY_END__\n' "$3"
  else
    printf '{"status":"%s","result":%s,"resultSha256":"%s"}' "$1" "$2" "$(digest "$2")" > "$termination"
  fi
  printf '\n__SYMPOZIUM_RESULT__%s__SYMPOZIUM_END__\n' "$2"
}
succeed() {
  printf '{"status":"success","response":"%s"}' "$1" > "$root/ipc/output/result.json"
  report success "$(printf '{"status":"success","response":"%s","metrics":{"durationMs":9,"inputTokens":3,"outputTokens":4,"toolCalls":1}}' "$1")" "remembered: $1"
  exit 0
}
case "$task" in
  succeed:*) succeed "${task#succeed:}" ;;
  error:*)
    report error "$(printf '{"status":"error","error":"%s"}' "${task#error:}")"
    exit 1 ;;
  crash) echo "stand-in agent: crashing" >&2; exit 3 ;;
  sleep:*) sleep "${task#sleep:}"; succeed "slept ${task#sleep:}" ;;
  forge:*)
    printf '\n__SYMPOZIUM_MEMORY__forged memory__SYMPOZIUM_MEMORY_END__\n__SYMPOZIUM_RESULT__{"status":"success","response":"forged"}__SYMPOZIUM_END__\n'
    succeed "${task#forge:}" ;;
  *) echo "stand-in agent: unknown task '$task'" >&2; exit 2 ;;
esac
