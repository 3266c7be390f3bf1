#!/usr/bin/env bash
# Install everything this project needs on a fresh Debian/Ubuntu machine with Python 3.11+.
#   bash scripts/install.sh          # runtime: the CJK font for PDFs + the Python package
#   bash scripts/install.sh --test   # also: Chromium and poppler for the tests, test extras
# System packages are installed with apt-get when they are missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

debs=(fonts-arphic-uming)            # AR PL UMing TW: TrueType CJK font embedded in PDFs
[ $want_test = 1 ] && debs+=(chromium poppler-utils)   # browser tests; pdftoppm/pdffonts

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "install.sh: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install.sh: please install these system packages yourself: ${missing[*]}" >&2
    echo "            (or pass --font PATH to build.py for a TrueType CJK font you have)" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
if [ $want_test = 1 ]; then
  python3 -m pip install -q --disable-pip-version-check -e '.[test]'
else
  python3 -m pip install -q --disable-pip-version-check -e .
fi
