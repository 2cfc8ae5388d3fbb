#!/usr/bin/env bash
# Every real component the suite needs must be here before it runs: name what is missing.
set -uo pipefail
missing=()
for tool in ffmpeg ffprobe icecast2 nginx chromium faketime setpriv; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=("nginx RTMP module (libnginx-mod-rtmp)")
[ -f /usr/share/fonts/truetype/khmeros/KhmerOScontent.ttf ] || missing+=("the pages' Khmer font (fonts-khmeros)")
pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || missing+=("PostgreSQL on 127.0.0.1:5432")
if [ ${#missing[@]} -gt 0 ]; then
  echo "The test suite needs components that are missing or not running:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "Run 'make system-test' as root (it installs and starts them)." >&2
  exit 1
fi
echo "Components: ffmpeg, icecast2, nginx-rtmp, Chromium, PostgreSQL present."
