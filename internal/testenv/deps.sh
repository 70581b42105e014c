#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, when missing.
set -euo pipefail
need=()
[ -x "$(pg_config --bindir 2>/dev/null)/initdb" ] && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-15 postgresql-15-postgis-3)
command -v ogrinfo >/dev/null || need+=(gdal-bin)
command -v cs2cs >/dev/null || need+=(proj-bin)
# The viewer's browser test: Debian's Chromium (never a downloaded build) and
# CJK fonts for the Chinese labels and interface.
command -v chromium >/dev/null || need+=(chromium)
[ -n "$(fc-list ':lang=zh-hk' family 2>/dev/null)" ] || need+=(fonts-noto-cjk)
# OWSLib is importable only by Debian's own interpreter.
/usr/bin/python3 -c 'import owslib' 2>/dev/null || need+=(python3-owslib)
command -v wrk >/dev/null || need+=(wrk)
# The deployment's topology test runs nginx in front of two replicas.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" postgresql-client-15 >/dev/null
fi
