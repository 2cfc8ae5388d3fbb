#!/usr/bin/env bash
# Installs the Debian packages Broadcaster needs. Usage: install-system.sh run|test
# Installs only what is missing, so a second run costs a dpkg query and nothing more.
set -euo pipefail
want=(ffmpeg sox espeak-ng fonts-khmeros libraqm0 python3-venv)
if [ "${1:-run}" = test ]; then
  want+=(icecast2 nginx-light libnginx-mod-rtmp chromium chromium-driver postgresql faketime)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian starts icecast2 and nginx as services on install; the tests start their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}"
