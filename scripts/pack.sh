#!/usr/bin/env bash
# Packs every shipped project (dotnet pack of the solution), installs smqtt from those local packages into a
# throwaway tool path, and checks that the installed tool works: `smqtt --version` prints the shared version, and
# `smqtt pub` delivers one message to a throwaway Mosquitto on a free loopback port. Everything lives in a temporary
# directory that is deleted on exit, broker included. Ends with one line, "pack: ok ..." or "pack: FAILED ...".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

source scripts/lib/broker.sh
broker_init smqtt-pack
work=$BROKER_WORK
fail() {
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2"
  echo "pack: FAILED: $1"
  exit 1
}

version=$(sed -n 's|.*<VersionPrefix>\(.*\)</VersionPrefix>.*|\1|p' Directory.Build.props | head -n 1)
[ -n "$version" ] || fail "no VersionPrefix in Directory.Build.props"

dotnet pack SecureMqtt.sln -c Release -warnaserror -o "$work/packages" >"$work/pack.log" 2>&1 \
  || fail "dotnet pack failed" "$work/pack.log"
for id in SecureMqtt SecureMqtt.Packets SecureMqtt.Pki SecureMqtt.Tls.OpenSsl SecureMqtt.Extensions.Hosting SecureMqtt.Cli; do
  [ -f "$work/packages/$id.$version.nupkg" ] || fail "no $id.$version.nupkg"
  [ -f "$work/packages/$id.$version.snupkg" ] || fail "no $id.$version.snupkg (symbols)"
done

# --add-source keeps the default feed: the tool's own dependencies are inside its package, the rest comes from there.
dotnet tool install SecureMqtt.Cli --version "$version" --add-source "$work/packages" --tool-path "$work/tools" \
  >"$work/install.log" 2>&1 || fail "dotnet tool install failed" "$work/install.log"
smqtt="$work/tools/smqtt"

printed=$("$smqtt" --version 2>&1) || fail "smqtt --version exited with $?: $printed"
case "$printed" in
  "$version" | "$version+"*) ;;
  *) fail "smqtt --version printed '$printed', expected $version" ;;
esac

broker_find || fail "mosquitto is not installed (bash scripts/ensure-mosquitto.sh)"
broker_free_ports 1 || fail "no free loopback port found"
port=${BROKER_PORTS[0]}
{
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port"
  broker_root_user
} >"$work/mosquitto.conf"
broker_start "$work/mosquitto.conf" "$port" || fail "mosquitto did not start" "$work/mosquitto.out"

"$smqtt" pub -h 127.0.0.1 -p "$port" -t t -m hi >"$work/pub.log" 2>&1 || fail "smqtt pub exited with $?" "$work/pub.log"

echo "pack: ok: 6 packages and symbols at $version, smqtt --version prints $printed, smqtt pub reached mosquitto on port $port"
