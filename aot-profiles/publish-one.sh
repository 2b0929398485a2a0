#!/usr/bin/env bash
# Native AOT publish of one executable project: the single command line every AOT build of this
# repository runs. aot-profiles/publish-all.sh (make aot) and Dockerfile.aot both call this
# script, so a binary built here and one built in an image come from the same command.
#
# usage: aot-profiles/publish-one.sh COMPONENT OUTPUT_DIR [RID]
#        aot-profiles/publish-one.sh --binary-name COMPONENT
#   COMPONENT   project name from Sympozium.sln (Sympozium.AgentRunner) or path to its .csproj
#   OUTPUT_DIR  publish folder; keep it outside the project directory (an out/ folder inside a
#               Microsoft.NET.Sdk.Web project is republished as content,
#               docs/design/toolchain.md#http-servers)
#   RID         linux-x64 (default) or linux-arm64
#   --binary-name  prints the file name of the component's binary (its AssemblyName, e.g.
#               agent-runner) and exits
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Component name or .csproj path -> .csproj path.
resolve_project() {
  local component=$1 matches
  if [[ $component == *.csproj ]]; then
    echo "$component"
    return
  fi
  matches=$(dotnet sln "$root/Sympozium.sln" list | tr '\\' '/' | grep -E "(^|/)$component\.csproj$" || true)
  if [[ $(grep -c . <<<"$matches") -ne 1 ]]; then
    echo "error: Sympozium.sln has no single project named $component (found: ${matches:-none})" >&2
    exit 2
  fi
  echo "$root/$matches"
}

# The binary is named after the AssemblyName (agent-runner), not necessarily the project.
binary_name() {
  dotnet msbuild "$1" -nologo -getProperty:AssemblyName
}

if [[ ${1:-} == --binary-name ]]; then
  [[ $# -eq 2 ]] || { echo "usage: $0 --binary-name COMPONENT" >&2; exit 2; }
  binary_name "$(resolve_project "$2")"
  exit 0
fi

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 COMPONENT OUTPUT_DIR [RID]  |  $0 --binary-name COMPONENT" >&2
  exit 2
fi

project=$(resolve_project "$1")
out=$2
rid=${3:-linux-x64}

# Always run the native compiler (ILC). ILC writes its object file even when it reports trim or
# AOT warnings as errors, so after a failed publish the next one would find that object up to
# date, skip ILC, link, and succeed without a single warning. Only the native step is redone;
# the C# build stays incremental.
native=$(dotnet msbuild "$project" -nologo -getProperty:NativeIntermediateOutputPath \
  -p:Configuration=Release -p:RuntimeIdentifier="$rid" | tr '\\' '/')
if [[ $native == */native/ ]]; then
  [[ $native == /* ]] || native=$(dirname "$project")/$native
  rm -rf "$native"
fi

# The publish's own build goes to a separate output folder (OutputPath): publishing Native AOT
# builds the project self-contained and without an apphost, and in the JIT build's bin/ folder
# that would replace what tests and the local cluster run (dotnet <component>.dll, the apphost).
# The intermediate folder stays shared, so the C# compile of a JIT build is reused.
build_out=bin/aot-publish/$rid/ # relative: each project of the closure gets its own
set -x
dotnet publish "$project" -c Release -r "$rid" -o "$out" -nologo -p:OutputPath="$build_out"
{ set +x; } 2>/dev/null

binary=$(binary_name "$project")
if [[ ! -x $out/$binary ]]; then
  echo "error: $out/$binary was not produced; does $(basename "$project") import an aot-profile (PublishAot=true)?" >&2
  exit 1
fi
