#!/usr/bin/env bash
# Packs every shipped project (dotnet pack of the solution), installs smqtt from those local packages into a
# throwaway tool path, and checks that the installed tool works: `smqtt --version` prints the shared version, and
# `smqtt pub` delivers one message to a throwaway Mosquitto on a free loopback port. Everything lives in a temporary
# directory that is deleted on exit, broker included. Ends with one line, "pack: ok ..." or "pack: FAILED ...".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d -t smqtt-pack.XXXXXX)
broker_pid=
cleanup() {
  if [ -n "$broker_pid" ]; then
    kill "$broker_pid" 2>/dev/null
    wait "$broker_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
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

# A free loopback port: one that refuses a connection now (a race with other processes is possible but harmless
# here: mosquitto then fails to bind and the check below says so).
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto" ] || fail "mosquitto is not installed (bash scripts/ensure-mosquitto.sh)"
port=
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || fail "no free loopback port found"

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$work/mosquitto.conf"
[ "$(id -u)" -eq 0 ] && echo "user root" >>"$work/mosquitto.conf"
"$mosquitto" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || fail "mosquitto exited" "$work/mosquitto.log"
  sleep 0.1
done

"$smqtt" pub -h 127.0.0.1 -p "$port" -t t -m hi >"$work/pub.log" 2>&1 || fail "smqtt pub exited with $?" "$work/pub.log"

echo "pack: ok: 6 packages and symbols at $version, smqtt --version prints $printed, smqtt pub reached mosquitto on port $port"
