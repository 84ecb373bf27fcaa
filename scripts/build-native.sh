#!/usr/bin/env bash
# Builds smqtt as a Native AOT binary: one executable with no .NET runtime to start, for scripts and cron jobs that run
# it once per message. Installs the toolchain first (scripts/ensure-aot.sh), then publishes with warnings as errors,
# so a trim or AOT warning fails the build. The result, and the SQLite library `smqtt pub --store` loads from beside
# it, land in artifacts/native/ (or $NATIVE_OUT):
#   artifacts/native/smqtt  artifacts/native/libe_sqlite3.so
# Usage: scripts/build-native.sh            RID=linux-arm64 scripts/build-native.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash "$root/scripts/ensure-aot.sh"

case "$(uname -m)" in
  x86_64) default_rid=linux-x64 ;;
  aarch64) default_rid=linux-arm64 ;;
  *) default_rid=linux-$(uname -m) ;;
esac
rid="${RID:-$default_rid}"
out="${NATIVE_OUT:-$root/artifacts/native}"
publish="$(mktemp -d -t smqtt-native.XXXXXX)"
trap 'rm -rf "$publish"' EXIT

# The project turns PublishAot on for a RID-specific publish (see its csproj); saying it here as well keeps this
# script meaning the same if that default ever changes.
dotnet publish "$root/src/SecureMqtt.Cli" -c Release -r "$rid" -p:PublishAot=true -warnaserror -nologo -o "$publish"

mkdir -p "$out"
install -m 0755 "$publish/smqtt" "$out/smqtt"
for lib in "$publish"/*.so; do
  [ -e "$lib" ] && install -m 0644 "$lib" "$out/"
done
echo "native: $out/smqtt ($(du -h "$out/smqtt" | cut -f1))"
