# Helpers of the atf-sh test programs, the shell's share of vkt.h:
# sourced with  . "$(atf_get_srcdir)/vkt.sh"  at their top level.

# The top of the source tree.
top()
{
	echo "$(atf_get_srcdir)/.."
}

# Is pid $1 gone (or a zombie nobody has reaped yet)?
gone()
{
	case $(ps -p "$1" -o stat= 2>/dev/null) in
	""|Z*)	return 0 ;;
	esac
	return 1
}

# stop "NAME..." PID...: SIGTERM each PID whose command is one of the
# NAMEs (so a pid that has been reused is left alone), wait 5 s at most
# for them all to go, then SIGKILL what is left.
stop()
{
	names=" $1 "
	shift
	pids=
	for pid; do
		case $names in
		*" $(ps -p "$pid" -o comm= 2>/dev/null) "*)
			kill "$pid" 2>/dev/null && pids="$pids $pid" ;;
		esac
	done
	n=0
	for pid in $pids; do
		while ! gone "$pid" && [ $((n += 1)) -lt 50 ]; do
			sleep 0.1
		done
		gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	true
}
