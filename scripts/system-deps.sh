#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (browser tests through Playwright), Virtuoso
# (Graph Store push tests), serdi and rapper (independent Turtle parsers). Installs what is missing.
set -euo pipefail
packages=(chromium serdi raptor2-utils virtuoso-opensource-7)
commands=(chromium serdi rapper virtuoso-t)
missing=()
for i in "${!packages[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
