#!/usr/bin/env bash
# The Debian packages the tests need besides the Python ones, in one place (README "Set up" and .ci/run):
#   chromium        the browser tests drive Debian's /usr/bin/chromium through Playwright (not Playwright's own
#                   browser download, which needs the internet)
#   fonts-noto-cjk  renders the Chinese UI in that browser
#   postgresql      the study and rating-store tests start their own throw-away server (initdb, as an
#                   unprivileged user when run as root)
# Installs only what is missing, with sudo unless run as root. Usage: bash tools/setup_system.sh
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: chromium, fonts-noto-cjk and postgresql are installed"
    exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
