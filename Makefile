# Sympozium build entry points. Every target uses one configuration: Release.
#
#   make demo     build, start the local cluster and control plane, send one message to an agent; leaves it running
#   make demo-down  stop everything make demo started
#   make test     build Sympozium.sln, publish the run path (AOT) for e2e, run every test project; ends with "N passed, N failed"
#   make build    build Sympozium.sln
#   make aot      Native AOT publish of every executable (ARCH=arm64 to cross-publish)
#   make aot-check  AOT publish of tests/Sympozium.CheckNativeAot only (what CI runs)
#   make images   OCI images of the published executables with buildah, plus a smoke run
#   make crds     regenerate crds/ from the C# types
#   make clean    remove build output and artifacts/

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export CONFIGURATION ?= Release
ARCH ?= x64
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: help demo demo-down test build aot aot-check images crds clean

help:
	@sed -n '3,11p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# *//'

demo:
	@scripts/demo.sh

demo-down:
	@scripts/demo-down.sh

test:
	@scripts/run-tests.sh

build:
	dotnet build Sympozium.sln -c $(CONFIGURATION) -nologo

aot:
	aot-profiles/publish-all.sh --arch $(ARCH)

aot-check:
	aot-profiles/publish-all.sh --arch $(ARCH) --only Sympozium.CheckNativeAot

images: aot
	scripts/build-images.sh

crds:
	dotnet run --project components/Sympozium.CrdGen -c $(CONFIGURATION) -- crds

clean:
	rm -rf artifacts
	find . -path ./.git -prune -o -type d \( -name bin -o -name obj -o -name TestResults \) -prune -exec rm -rf {} +
