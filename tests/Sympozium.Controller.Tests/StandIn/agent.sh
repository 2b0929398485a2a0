#!/bin/sh
# Stand-in for the agent-runner image in controller tests: acts out its TASK and speaks the
# agent's output contract (result file, result and memory markers on stdout, exit code).
#   succeed:TEXT   reply TEXT, remember "remembered: TEXT", exit 0
#   error:TEXT     report an agent error TEXT, exit 1
#   crash          exit 3 without a marker
#   sleep:N        sleep N seconds, then succeed with "slept N"
set -u
root=${SYMPOZIUM_ROOT:-/}
mkdir -p "$root/ipc/output"
echo "stand-in agent: run $AGENT_RUN_ID, timeout $RUN_TIMEOUT, traceparent ${TRACEPARENT:-none}"
succeed() {
  printf '{"status":"success","response":"%s"}' "$1" > "$root/ipc/output/result.json"
  printf '\n__SYMPOZIUM_MEMORY__remembered: %s__SYMPOZIUM_MEMORY_END__\n' "$1"
  printf '\n__SYMPOZIUM_RESULT__{"status":"success","response":"%s","metrics":{"durationMs":9,"inputTokens":3,"outputTokens":4,"toolCalls":1}}__SYMPOZIUM_END__\n' "$1"
  exit 0
}
case "$TASK" in
  succeed:*) succeed "${TASK#succeed:}" ;;
  error:*)
    printf '\n__SYMPOZIUM_RESULT__{"status":"error","error":"%s"}__SYMPOZIUM_END__\n' "${TASK#error:}"
    exit 1 ;;
  crash) echo "stand-in agent: crashing" >&2; exit 3 ;;
  sleep:*) sleep "${TASK#sleep:}"; succeed "slept ${TASK#sleep:}" ;;
  *) echo "stand-in agent: unknown task '$TASK'" >&2; exit 2 ;;
esac
