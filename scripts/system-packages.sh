#!/usr/bin/env bash
# Installs the Debian packages the tests need: bubblewrap (workers' strongest isolation); Debian's Python
# packages numpy and pytest (an interpreter every user can read, for workers that drop to a user id of
# their own); Chromium and its driver (reports are opened in a real browser). Needs root; does nothing
# when all are present.
set -euo pipefail
packages=(bubblewrap chromium chromium-driver python3-numpy python3-pytest)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "error: ${missing[*]} not installed; run this script as root (sudo bash $0)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
