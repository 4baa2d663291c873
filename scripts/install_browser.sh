#!/usr/bin/env bash
# Installs Debian's chromium and chromedriver for tests/test_browser.py (`make browser`); nothing to do when both are
# there. WORKBOOK_CHROMIUM and WORKBOOK_CHROMEDRIVER name another browser and driver (the test reads them too).
set -euo pipefail
browser=${WORKBOOK_CHROMIUM:-/usr/bin/chromium}
driver=${WORKBOOK_CHROMEDRIVER:-/usr/bin/chromedriver}
if [ -x "$browser" ] && [ -x "$driver" ]; then
  exit 0
fi
fix="install chromium and its chromedriver yourself and set WORKBOOK_CHROMIUM and WORKBOOK_CHROMEDRIVER to them"
if ! command -v apt-get > /dev/null; then
  echo "error: no $browser or $driver, and no apt-get to install them. Fix: $fix." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: installing chromium with apt-get needs root. Fix: sudo make browser (or $fix)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; } > /dev/null || {
  echo "error: apt-get could not install chromium and chromium-driver (its message is above). Fix: a Debian" \
       "package mirror must be reachable, or $fix." >&2
  exit 1
}
echo "install_browser: $("$browser" --version 2> /dev/null), $("$driver" --version | cut -d' ' -f1-2)"
