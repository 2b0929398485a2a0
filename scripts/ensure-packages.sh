#!/usr/bin/env bash
# Makes sure Debian packages are installed, by what they provide.
#
# usage: scripts/ensure-packages.sh PACKAGE[:PROVIDES]...
#   PROVIDES is a command name (looked up on PATH and in /usr/sbin, /sbin) or an absolute file
#   path; it defaults to the package name. Example: nats-server buildah:buildah
#   libc6-dev-arm64-cross:/usr/aarch64-linux-gnu/lib/crti.o
#
# As root: installs what is missing with apt-get (non-interactive), running 'apt-get update'
# first only when apt does not know a package yet. Otherwise: prints the exact command to run
# and exits 1.
set -euo pipefail

missing=()
for spec in "$@"; do
  package=${spec%%:*}
  provides=${spec#*:}
  if [[ $provides == /* ]]; then
    [[ -e $provides ]] && continue
  elif command -v "$provides" >/dev/null 2>&1 || [[ -x /usr/sbin/$provides || -x /sbin/$provides ]]; then
    continue
  fi
  missing+=("$package")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing package(s): ${missing[*]}" >&2
  echo "Install them as root with:" >&2
  echo "  sudo $command" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
needs_update=false
for package in "${missing[@]}"; do
  # No candidate means the package lists are missing or older than the package.
  policy=$(apt-cache policy "$package" 2>/dev/null || true)
  if ! grep -qE 'Candidate: [^(]' <<<"$policy"; then
    needs_update=true
  fi
done
if $needs_update; then
  echo "+ apt-get update"
  apt-get update -qq </dev/null
fi
echo "+ $command"
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
