#!/usr/bin/env bash
# AOT-publishes every executable of Sympozium.sln that imports an aot-profile, one after the
# other, and prints a table of publish time and stripped binary size.
#
# usage: aot-profiles/publish-all.sh [--arch x64|arm64] [--only NAME]... [--force]
#   --arch arm64   cross-publish for linux-arm64 (needs clang and the aarch64 cross toolchain,
#                  installed here with apt-get when running as root)
#   --only NAME    publish only this component (repeatable)
#   --force        publish even when the inputs are unchanged
#
# Reuse: a published binary is kept when its inputs have not changed since it was published.
# The inputs are every file git does not ignore in the component's project directory and in the
# directories of its ProjectReference closure, the repository-wide build files
# (Directory.Build.props/.targets, Directory.Packages.props, global.json, aot-profiles/*.props,
# NuGet.config), the SDK version and the RID; their SHA-256 is stored next to the binary
# (.aot-inputs.sha256) after a successful publish. A reused row says "reused" in the table.
#
# Output: artifacts/bin/<component>/<binary> (x64) or artifacts/bin-arm64/<component>/<binary>
#         (arm64), where <binary> is the AssemblyName (agent-runner for Sympozium.AgentRunner);
#         logs in artifacts/logs/aot/<component>-<rid>.log
# Fails (exit 1) when a publish fails or its log holds any IL2xxx/IL3xxx trim or AOT warning:
# warnings are errors already (Directory.Build.props); the grep is a second, independent check.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

arch=x64
only=()
force=false
while [[ $# -gt 0 ]]; do
  case $1 in
    --arch) arch=${2:?--arch needs x64 or arm64}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --only) only+=("${2:?--only needs a component name}"); shift 2 ;;
    --only=*) only+=("${1#--only=}"); shift ;;
    --force) force=true; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

case $arch in
  x64|amd64|x86_64) arch=x64; rid=linux-x64; bin_root=artifacts/bin ;;
  arm64|aarch64) arch=arm64; rid=linux-arm64; bin_root=artifacts/bin-arm64 ;;
  *) echo "error: --arch must be x64 or arm64, not '$arch'" >&2; exit 2 ;;
esac

if [[ $arch == arm64 && $(uname -m) != aarch64 ]]; then
  # Cross-compiling: ILC drives clang with --target=aarch64-linux-gnu; clang finds the Debian
  # cross toolchain (binutils + crt files + libc in /usr/aarch64-linux-gnu). gcc alone cannot
  # cross-link (it rejects --target), so clang is required here.
  if ! "$root/scripts/ensure-packages.sh" clang:clang gcc-aarch64-linux-gnu:aarch64-linux-gnu-gcc \
      binutils-aarch64-linux-gnu:aarch64-linux-gnu-ld.bfd libc6-dev-arm64-cross:/usr/aarch64-linux-gnu/lib/crti.o; then
    echo "error: linux-arm64 cannot be cross-published on this machine without the packages above." >&2
    exit 1
  fi
fi

# Executable projects of the solution that import an aot-profile, confirmed by evaluation.
mapfile -t projects < <(dotnet sln Sympozium.sln list | grep -E '\.csproj$' | tr '\\' '/' | sort)
components=()
profiles=()
for project in "${projects[@]}"; do
  grep -qE 'aot-profiles/(edge|server)\.props' "$project" || continue
  name=$(basename "$project" .csproj)
  if [[ ${#only[@]} -gt 0 ]] && ! grep -qxF "$name" <<<"$(printf '%s\n' "${only[@]}")"; then
    continue
  fi
  publish_aot=$(dotnet msbuild "$project" -nologo -getProperty:PublishAot)
  if [[ $publish_aot != true ]]; then
    echo "warning: $project imports an aot-profile but PublishAot evaluates to '$publish_aot'; skipped" >&2
    continue
  fi
  components+=("$project")
  profiles+=("$(grep -oE 'aot-profiles/(edge|server)\.props' "$project" | head -1 | sed -E 's#.*/(.*)\.props#\1#')")
done

for wanted in "${only[@]}"; do
  if ! grep -q "/$wanted.csproj$" <<<"$(printf '%s\n' "${components[@]}")"; then
    echo "error: --only $wanted: no executable of Sympozium.sln with that name imports an aot-profile" >&2
    exit 2
  fi
done
if [[ ${#components[@]} -eq 0 ]]; then
  echo "error: no project in Sympozium.sln imports aot-profiles/edge.props or server.props" >&2
  exit 1
fi

# The directories of a project and of its ProjectReference closure, one per line.
project_closure() {
  local project=$1 dir reference
  dir=$(cd "$(dirname "$project")" && pwd)
  echo "$dir"
  grep -oE '<ProjectReference Include="[^"]+"' "$project" | sed -E 's/.*Include="([^"]+)"/\1/' | while read -r reference; do
    reference=${reference//\$(RepoRoot)/$root/}
    reference=${reference//\\//}
    [[ $reference == /* ]] || reference=$dir/$reference
    project_closure "$reference"
  done
}

# SHA-256 over the inputs of a component's AOT binary (see Reuse above).
inputs_fingerprint() {
  local project=$1
  {
    echo "rid=$rid sdk=$sdk_version"
    mapfile -t dirs < <(project_closure "$project" | sort -u)
    git ls-files -z --cached --others --exclude-standard -- "${dirs[@]}" \
      Directory.Build.props Directory.Build.targets Directory.Packages.props global.json NuGet.config nuget.config aot-profiles/ \
      | sort -zu | while IFS= read -r -d '' file; do
        [[ -f $file ]] && sha256sum -- "$file"
      done
  } | sha256sum | cut -d' ' -f1
}

sdk_version=$(dotnet --version)
mkdir -p artifacts/logs/aot "$bin_root"
echo "AOT publish for $rid: ${#components[@]} component(s)"
rows=()
failed=0
total_start=$(date +%s%N)
for i in "${!components[@]}"; do
  project=${components[$i]}
  name=$(basename "$project" .csproj)
  out=$bin_root/$name
  log=artifacts/logs/aot/$name-$rid.log
  binary=$(aot-profiles/publish-one.sh --binary-name "$project")
  fingerprint=$(inputs_fingerprint "$project")
  if [[ $force == false && -x $out/$binary && $(cat "$out/.aot-inputs.sha256" 2>/dev/null) == "$fingerprint" ]]; then
    size=$(stat -c %s "$out/$binary")
    echo "--- $name: reused $out/$binary (inputs unchanged since it was published; --force republishes)"
    rows+=("$name|$binary|${profiles[$i]}|$rid|reused|$size|0|ok")
    continue
  fi
  # Published into a staging folder and moved into place when complete: a publish that fails or
  # is killed (an interrupted image pull of the local cluster) never leaves a partial binary
  # where the image map would run it. A failed publish removes the previous binary as well.
  staging=$out.publishing
  rm -rf "$out" "$staging"
  echo "--- $name ($rid, ${profiles[$i]} profile) -> $out/"
  start=$(date +%s%N)
  status=ok
  if ! aot-profiles/publish-one.sh "$project" "$staging" "$rid" >"$log" 2>&1; then
    status=FAILED
  fi
  seconds=$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f", ns / 1e9 }')
  il_warnings=$(grep -oE '(warning|error) IL[23][0-9]{3}[^[]*' "$log" | sort -u | wc -l || true)
  if [[ $il_warnings -gt 0 ]]; then
    status=FAILED
    echo "    $il_warnings trim/AOT diagnostic(s):"
    grep -oE '(warning|error) IL[23][0-9]{3}[^[]*' "$log" | sort -u | sed 's/^/      /'
  fi
  size=-
  if [[ -f $staging/$binary ]]; then
    size=$(stat -c %s "$staging/$binary")
    if command -v file >/dev/null && ! grep -q ', stripped' <<<"$(file "$staging/$binary")"; then
      echo "    warning: $out/$binary is not stripped" >&2
    fi
  fi
  if [[ $status != ok ]]; then
    failed=$((failed + 1))
    echo "    publish FAILED; last lines of $log:"
    tail -n 25 "$log" | sed 's/^/      /'
  else
    echo "$fingerprint" > "$staging/.aot-inputs.sha256"
    mv "$staging" "$out"
    echo "    ok in ${seconds}s: $out/$binary, $size bytes"
  fi
  rows+=("$name|$binary|${profiles[$i]}|$rid|${seconds}s|$size|$il_warnings|$status")
done
total=$(awk -v ns=$(( $(date +%s%N) - total_start )) 'BEGIN { printf "%.1f", ns / 1e9 }')

echo
{
  echo "component|binary|profile|rid|publish time|bytes (stripped)|IL warnings|result"
  printf '%s\n' "${rows[@]}"
} | scripts/table.sh
echo "total: ${total}s for ${#components[@]} component(s), $failed failed"
[[ $failed -eq 0 ]]
