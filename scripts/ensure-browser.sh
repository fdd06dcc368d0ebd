#!/usr/bin/env bash
# Debian's Chromium and a CJK font for the browser tests (the pages are in Chinese), installed with
# apt when missing. Playwright drives this Chromium; it downloads no browser of its own.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing ${need[*]} for the browser tests ..." >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q "${need[@]}" >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "${need[@]}" >&2; }
