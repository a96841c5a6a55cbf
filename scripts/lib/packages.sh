# shellcheck shell=bash
# Shared by the project's scripts: installs the Debian packages that are missing, and only
# those, so that a machine that already has them does no network work.
#   source scripts/lib/packages.sh
#   ensure_packages build-essential cmake ...

# Prints the packages of "$@" that are not installed, one a line.
missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -qx 'install ok installed' ||
      echo "$package"
  done
}

ensure_packages() {
  if ! command -v dpkg-query >/dev/null; then
    echo "not a Debian system: skipping the package check; needed: $*"
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    echo "all present: $*"
    return 0
  fi
  local sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      echo "missing packages ${missing[*]}; run as root or install them first" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "${missing[@]}"
}
