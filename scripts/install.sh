#!/usr/bin/env bash
# Install everything this project needs on a fresh Debian or Ubuntu machine.
#   bash scripts/install.sh          # runtime: the CJK fonts for PDFs + the package in .venv/
#   bash scripts/install.sh --test   # also: Chromium, poppler, a CFF font, strace, PSPP and
#                                    # LibreOffice Calc for the tests, test extras
#
# The package goes into a virtual environment at .venv/ (PEP 668: Debian 12 and
# Ubuntu 23.04+ refuse `pip install` into the system Python), made with the system
# `python3` (or $PYTHON). Run the tools as .venv/bin/python build.py, or
# .venv/bin/opm-build / .venv/bin/opm-score.
# Debian packages (the fonts; python3-venv when `python3 -m venv` cannot work; Chromium,
# poppler, Cantarell, strace, PSPP and LibreOffice Calc with --test) are installed with
# apt-get when missing, as root or with sudo.
# A second run checks and changes nothing: pip runs again only when setup.cfg,
# pyproject.toml, the Python or the choice of extras changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
case "${1:-}" in
  --test) want_test=1 ;;
  "") ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install.sh: unknown option '$1' (use --test, or nothing)" >&2; exit 2 ;;
esac

PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null; then
  echo "install.sh: '$PY' not found: install Python 3.11 or newer (Debian: apt-get install python3)" >&2
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "install.sh: $("$PY" --version 2>&1) is too old: Python 3.11 or newer is needed" \
       "(set PYTHON=/path/to/python3.11 to pick another)" >&2
  exit 1
fi
pyver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

venv_ok() { [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys, pip' >/dev/null 2>&1; }

debs=(fonts-arphic-uming              # AR PL UMing TW: TrueType CJK font embedded in PDFs
      fonts-hanazono)                 # HanaMin B: CJK Extension B-F (𠀋 in a name) for report.pdf
# tests: Chromium (pages), poppler (PDF text, pages as PNG), a CFF font (the font finder's
# skip), strace (rename faults), GNU PSPP (runs labels.sps) and LibreOffice Calc (opens
# data-entry.xlsx)
[ $want_test = 1 ] && debs+=(chromium poppler-utils fonts-cantarell strace pspp libreoffice-calc-nogui)
# Debian splits venv's ensurepip into python3.X-venv; only ask for it when a venv
# cannot be made without it.
if ! venv_ok && ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
  debs+=("python${pyver}-venv")
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null || { echo "install.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
      sudo="sudo"
    fi
    echo "install.sh: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install.sh: please install these system packages yourself: ${missing[*]}" >&2
    echo "            (or pass --font PATH to build.py for a TrueType CJK font you have)" >&2
  fi
fi

if ! venv_ok; then
  rm -rf .venv
  echo "install.sh: making the virtual environment .venv/ with $("$PY" --version 2>&1)"
  if ! "$PY" -m venv .venv; then
    rm -rf .venv
    echo "install.sh: '$PY -m venv' failed; on Debian/Ubuntu install python${pyver}-venv" >&2
    exit 1
  fi
fi

extras=""; [ $want_test = 1 ] && extras="[test]"
stamp=$( { cat setup.cfg pyproject.toml; echo "$extras"; .venv/bin/python --version; } \
         | sha256sum | cut -c1-16)
if [ "$(cat .venv/.opm-installed 2>/dev/null)" != "$stamp" ]; then
  echo "install.sh: installing the package${extras:+ with test extras} into .venv/"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
  echo "$stamp" > .venv/.opm-installed
fi
