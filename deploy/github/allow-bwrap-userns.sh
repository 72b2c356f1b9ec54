#!/usr/bin/env bash
# Lets /usr/bin/bwrap, and only it, create user namespaces on a runner where AppArmor restricts them
# (ubuntu-24.04: kernel.apparmor_restrict_unprivileged_userns=1), so the grader runs as the runner's
# ordinary user at the bubblewrap level. Ubuntu's 24.04 release notes give this per-program profile as
# the way to allow one program; the apparmor package of 24.04 ships none for bwrap (25.04 adds
# bwrap-userns-restrict). The restriction stays on for every other program, unlike
# `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`. Needs sudo; does nothing where the
# restriction is absent or off. Sources: docs/scaling.md.
set -euo pipefail
restriction=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
if [ ! -r "$restriction" ] || [ "$(cat "$restriction")" = 0 ]; then
  echo "unprivileged user namespaces are not restricted by AppArmor here; nothing to do"
  exit 0
fi
if [ ! -x /usr/bin/bwrap ]; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap
fi
sudo tee /etc/apparmor.d/gd-autograder-bwrap >/dev/null <<'PROFILE'
abi <abi/4.0>,
include <tunables/global>

profile gd-autograder-bwrap /usr/bin/bwrap flags=(unconfined) {
  userns,
}
PROFILE
sudo apparmor_parser --replace /etc/apparmor.d/gd-autograder-bwrap
# The same probe bwrap must pass for the grader to pick the bubblewrap level.
bwrap --unshare-user --unshare-pid --unshare-net --ro-bind / / --proc /proc --dev /dev true
echo "bwrap may create user namespaces (AppArmor profile gd-autograder-bwrap loaded)"
