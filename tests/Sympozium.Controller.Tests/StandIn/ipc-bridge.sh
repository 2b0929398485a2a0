#!/bin/sh
# Stand-in for the ipc-bridge native sidecar in controller tests: runs until the kubelet stops it.
trap 'exit 0' TERM INT
echo "stand-in ipc-bridge: up"
while :; do sleep 1; done
