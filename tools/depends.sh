#!/bin/sh
# Install the Debian packages a make target needs, only when missing.
# Usage: tools/depends.sh [build|check|demo|fuzz|bench ...]
# Also creates the "vknet" system group that vknetd's socket belongs to
# and the "_vknetd" system user its switch process runs as, and for check fetches the kernel that qemu_test boots its guests with
# (tools/qemu-kernel.sh).  Installing leaves no new service behind: a
# policy-rc.d forbids every start meanwhile, and the services of what
# was installed (openssh-server's sshd) are disabled again after.
set -e

pkgs_build="make gcc libc6-dev libbsd-dev libseccomp-dev pkg-config mandoc"
pkgs_check="$pkgs_build kyua atf-sh libatf-dev iproute2 iputils-ping \
	tcpdump tshark openssh-server openssh-client systemd man-db procps \
	qemu-system-x86 busybox-static cpio \
	vdeplug vde2 libvdeplug-slirp dnsmasq-base \
	dpkg-dev debhelper lintian fakeroot binutils python3"
pkgs_demo="$pkgs_build iproute2 iputils-ping"
pkgs_fuzz="$pkgs_build clang libclang-rt-14-dev"
pkgs_bench="$pkgs_build iproute2 openssh-server openssh-client vde2 vdeplug \
	libvdeplug-dev iperf3 jq"

want=""
for target in "${@:-check}"; do
	eval "want=\"\$want \$pkgs_$target\""
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "depends.sh: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "depends.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# A policy-rc.d of our own only: an admin's stays as it is.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e $policy ]; then
		trap 'rm -f $policy' EXIT
		printf '#!/bin/sh\n# depends.sh: no starts\nexit 101\n' \
		    >$policy
		chmod 755 $policy
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# Was missing, so was not enabled: its postinst enabled it.
	case " $missing " in
	*" openssh-server "*)
		echo "depends.sh: disabling ssh, as it was before" >&2
		systemctl disable -q ssh.service 2>/dev/null ||
		    deb-systemd-helper disable ssh.service
		update-rc.d ssh disable >/dev/null 2>&1 || true
		;;
	esac
fi
if [ "$(id -u)" -eq 0 ] && ! getent group vknet >/dev/null; then
	echo "depends.sh: creating system group vknet" >&2
	groupadd --system vknet
fi
if [ "$(id -u)" -eq 0 ] && ! getent passwd _vknetd >/dev/null; then
	echo "depends.sh: creating system user _vknetd" >&2
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin _vknetd
fi
case " ${*:-check} " in
*" check "*)
	if [ "$(id -u)" -eq 0 ]; then
		sh "$(dirname "$0")/qemu-kernel.sh"
	fi ;;
esac
