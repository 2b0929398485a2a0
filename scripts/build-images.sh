#!/usr/bin/env bash
# Builds an OCI image for every AOT-published component in artifacts/bin/ without a Docker engine:
# buildah FROM scratch, one shared base layer + one layer with the binary, written as OCI
# archives to artifacts/images/<component>.tar. Then smoke-tests one image by unpacking it and
# running Sympozium.CheckNativeAot inside it (chroot, uid 65532).
#
# usage: scripts/build-images.sh            (run 'make aot' first; 'make images' does both)
#
# The base layer is docs/design/toolchain.md#images-without-docker, copied from this Debian machine:
#   ld-linux, libc, libm (all an AOT binary links), libssl.so.3 + libcrypto.so.3 (dlopened for
#   TLS and hashing), the CA bundle, /etc/passwd and /etc/group with nonroot 65532, /tmp (1777).
# Images run as 65532:65532 with ENTRYPOINT /app/<binary> (the AssemblyName, e.g. agent-runner). Nothing in them is writable by
# that user except /tmp, so they run unchanged with readOnlyRootFilesystem and an emptyDir /tmp.
#
# Dockerfile.aot builds the equivalent image where a Docker engine exists, on the chiseled
# runtime-deps base instead of this hand-made one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ $(id -u) -ne 0 ]]; then
  echo "error: buildah builds FROM scratch here as root (no rootless set-up); run 'sudo make images'" >&2
  exit 1
fi
scripts/ensure-packages.sh buildah umoci skopeo

tag=${IMAGE_TAG:-dev}
images=artifacts/images
work=$images/.work
store=$images/.storage
rm -rf "$work" "$store" "$images"/*.tar && mkdir -p "$work" "$images"
# A private vfs store under artifacts/: works in nested sandboxes (no overlay mounts), leaves
# the machine's own container storage alone, and 'make clean' removes it.
buildah=(buildah --root "$root/$store/root" --runroot "$root/$store/run" --storage-driver vfs)
export BUILDAH_ISOLATION=chroot

# A published component is artifacts/bin/<project name>/<binary>, the binary being named after
# the project's AssemblyName (aot-profiles/publish-one.sh --binary-name).
components=()
declare -A binaries=()
for dir in artifacts/bin/*/; do
  [[ -d $dir ]] || continue
  c=$(basename "$dir")
  if ! binary=$(aot-profiles/publish-one.sh --binary-name "$c" 2>/dev/null); then
    echo "warning: artifacts/bin/$c is not a project of Sympozium.sln; skipped" >&2
    continue
  fi
  if [[ ! -x artifacts/bin/$c/$binary ]]; then
    echo "warning: artifacts/bin/$c has no $binary; skipped (run 'make aot')" >&2
    continue
  fi
  components+=("$c")
  binaries[$c]=$binary
done
if [[ ${#components[@]} -eq 0 ]]; then
  echo "error: nothing AOT-published in artifacts/bin/; run 'make aot' first" >&2
  exit 1
fi

# ---- base layer ---------------------------------------------------------------------------
base=$work/base-rootfs
multiarch=x86_64-linux-gnu
mkdir -p "$base/usr/lib/$multiarch" "$base/usr/lib64" "$base/usr/lib/ssl" "$base/etc/ssl/certs" \
  "$base/tmp" "$base/home/nonroot" "$base/app"
ln -s usr/lib "$base/lib"
ln -s usr/lib64 "$base/lib64"
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libssl.so.3 libcrypto.so.3; do
  source_path=$(readlink -f "/usr/lib/$multiarch/$lib" 2>/dev/null || true)
  if [[ ! -f $source_path ]]; then
    echo "error: /usr/lib/$multiarch/$lib not found on this machine (packages libc6, libssl3)" >&2
    exit 1
  fi
  cp "$source_path" "$base/usr/lib/$multiarch/$lib"
done
ln -s ../lib/$multiarch/ld-linux-x86-64.so.2 "$base/usr/lib64/ld-linux-x86-64.so.2"
cp /etc/ssl/certs/ca-certificates.crt "$base/etc/ssl/certs/ca-certificates.crt"
# OpenSSL's compiled-in defaults on Debian (OPENSSLDIR=/usr/lib/ssl), as the libssl3 package
# lays them out: .NET finds the roots there even without SSL_CERT_FILE.
ln -s /etc/ssl/certs/ca-certificates.crt "$base/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$base/usr/lib/ssl/certs"
cat >"$base/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$base/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
# glibc 2.34+ has the files and dns NSS modules built in; this only states the order.
cat >"$base/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 1777 "$base/tmp"
chmod 0755 "$base/app"
base_bytes=$(du -sb "$base" | cut -f1)

# The binaries must need nothing the base layer lacks.
for c in "${components[@]}"; do
  while read -r needed; do
    if [[ ! -e $base/usr/lib/$multiarch/$needed ]]; then
      echo "error: $c needs $needed, which the base layer does not carry; add it in $0" >&2
      exit 1
    fi
  done < <(readelf -d "artifacts/bin/$c/${binaries[$c]}" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
done

echo "== base layer: $base_bytes bytes"
ctr=$("${buildah[@]}" from scratch)
"${buildah[@]}" copy --quiet "$ctr" "$base/" / >/dev/null
# 65532 owns its home, as in distroless' nonroot; everything else stays root's.
"${buildah[@]}" copy --quiet --chown 65532:65532 "$ctr" "$base/home/nonroot" /home/nonroot >/dev/null
"${buildah[@]}" config --os linux --arch amd64 --user 65532:65532 --workingdir /app \
  --env PATH=/app --env HOME=/home/nonroot --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --env DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$ctr"
"${buildah[@]}" commit --quiet --rm "$ctr" localhost/sympozium/base:"$tag" >/dev/null

# ---- one image per component --------------------------------------------------------------
rows=("image|entrypoint|archive|archive bytes|binary bytes")
for c in "${components[@]}"; do
  name=sympozium/$(tr '[:upper:]' '[:lower:]' <<<"${c#Sympozium.}")
  archive=$images/$c.tar
  ctr=$("${buildah[@]}" from localhost/sympozium/base:"$tag")
  binary=${binaries[$c]}
  "${buildah[@]}" copy --quiet --chown 0:0 --chmod 0755 "$ctr" "artifacts/bin/$c/$binary" "/app/$binary" >/dev/null
  # Anything else the publish produced (native libraries beside the binary), read-only.
  while read -r extra; do
    "${buildah[@]}" copy --quiet --chown 0:0 --chmod 0644 "$ctr" "$extra" "/app/$(basename "$extra")" >/dev/null
  done < <(find "artifacts/bin/$c" -maxdepth 1 -type f ! -name "$binary")
  "${buildah[@]}" config --entrypoint "[\"/app/$binary\"]" --cmd '' \
    --label org.opencontainers.image.title="$c" --label org.opencontainers.image.source=Sympozium "$ctr"
  rm -f "$archive"
  # Compressed layers: the archive size is what a node pulls.
  "${buildah[@]}" commit --quiet --rm --format oci --disable-compression=false "$ctr" \
    "oci-archive:$archive:$name:$tag" >/dev/null
  rows+=("$name:$tag|/app/$binary|$archive|$(stat -c %s "$archive")|$(stat -c %s "artifacts/bin/$c/$binary")")
done

echo
printf '%s\n' "${rows[@]}" | scripts/table.sh
echo "(base layer uncompressed: $base_bytes bytes)"

# ---- smoke check: run CheckNativeAot inside its image ---------------------------------------
smoke=Sympozium.CheckNativeAot
if [[ -z ${binaries[$smoke]:-} ]]; then
  echo "smoke check skipped: $smoke was not published (make aot publishes it)"
  exit 0
fi
echo
echo "== smoke check: $smoke image, unpacked and run as uid 65532"
config=$(skopeo inspect --config "oci-archive:$images/$smoke.tar")
grep -q '"User": "65532:65532"' <<<"$config" || { echo "error: image user is not 65532:65532" >&2; echo "$config" >&2; exit 1; }
smoke_binary=${binaries[$smoke]}
grep -q "\"/app/$smoke_binary\"" <<<"$config" || { echo "error: image entrypoint is not /app/$smoke_binary" >&2; echo "$config" >&2; exit 1; }

layout=$work/smoke-layout
bundle=$work/smoke-bundle
skopeo copy --quiet "oci-archive:$images/$smoke.tar" "oci:$layout:smoke"
umoci unpack --image "$layout:smoke" "$bundle" >/dev/null
rootfs=$bundle/rootfs
# A container runtime provides /dev; a bare chroot does not (docs/design/toolchain.md#chroot-smoke-tests).
mkdir -p "$rootfs/dev"
mknod -m 666 "$rootfs/dev/null" c 1 3
mknod -m 666 "$rootfs/dev/urandom" c 1 9
mknod -m 666 "$rootfs/dev/random" c 1 8
env_args=()
while read -r e; do env_args+=("$e"); done < <(sed -nE 's/^ *"([A-Z_]+=[^"]*)",?$/\1/p' <<<"$config")
set +e
output=$(env -i "${env_args[@]}" "$(command -v chroot)" --userspec=65532:65532 "$rootfs" "/app/$smoke_binary" --image 2>&1)
rc=$?
set -e
echo "$output" | sed 's/^/    /'
if [[ $rc -ne 0 || $output != *ok* ]]; then
  echo "error: $smoke failed inside its image (exit $rc)" >&2
  exit 1
fi
# Read-only-root friendly: nothing outside /tmp and the user's home is writable by 65532.
writable=$(find "$rootfs" \( -path "$rootfs/tmp" -o -path "$rootfs/home/nonroot" -o -path "$rootfs/dev" \) -prune \
  -o ! -type l \( -uid 65532 -o -perm -o+w \) -print)
if [[ -n $writable ]]; then
  echo "error: uid 65532 can write outside /tmp in the image:" >&2
  echo "$writable" >&2
  exit 1
fi
echo "smoke check passed: $smoke ran in its image as uid 65532 (exit 0, printed ok)"
rm -rf "$work"
