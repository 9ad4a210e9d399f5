# Sourced by the scripts beside it: their tagged messages and their Debian
# package installs. Set LOG_TAG (the script's name in its messages) first.

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

# as_root COMMAND...: run it as root, through sudo unless already root.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_install PACKAGE...: install Debian packages, apt's output on stderr.
# DEBIAN_FRONTEND goes through env because sudo resets the environment.
apt_install() {
  command -v apt-get >/dev/null || die "need Debian packages $* but apt-get is not available"
  log "installing $* (apt-get)"
  as_root apt-get update -qq >&2 || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 ||
    die "apt-get could not install $*"
}
