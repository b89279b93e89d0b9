#!/bin/sh
# Run every test under kyua(1), then the integration tests again against
# an ASan+UBSan build of both programs, and end with the one line CI
# reads: "N passed, M failed, K skipped", summing both passes.  Broken
# tests count as failed, and so does every sanitizer report.
#
# The sanitized build is a copy of the tree in .sanitize/, built with
# SANITIZE=1: the tests there are compiled with the paths of their own
# copy's binaries, so no test needs to know about it and the normal
# build is left alone.  Sanitizers write their reports to files
# (log_path), so one counts even when a test does not look at the
# program's exit status or stderr.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
san=$top/.sanitize
log=$(mktemp)
reports=$(mktemp -d)
trap 'rm -rf "$log" "$reports"' EXIT

run()
{
	kyua test -k Kyuafile "$@" 2>&1 | tee -a "$log"
	kyua report --verbose --results-filter broken,failed 2>/dev/null |
	    sed -n '/===> Failed tests/,$p;/===> Broken tests/,$p' | head -200
}

cd "$top/tests" && run

echo "check.sh: integration tests against an ASan+UBSan build" >&2
mkdir -p "$san"
(cd "$top" && tar cf - Makefile lib share usr.sbin usr.bin tests tools) |
    (cd "$san" && tar xf -)
make -s -C "$san" clean >/dev/null
if make -s -C "$san" SANITIZE=1 all >/dev/null &&
    make -s -C "$san/tests" LDFLAGS="-fsanitize=address,undefined" \
    >/dev/null; then
	export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
	UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan"
	export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
	cd "$san/tests" &&
	    run vknetd_test vknet_test monitor_test stream_test queue_test \
	    logs_test ops_test segments_test privsep_test
else
	echo "sanitized build  ->  failed" | tee -a "$log"
fi
for r in "$reports"/*; do
	[ -f "$r" ] || continue
	cat "$r"
	echo "sanitizer report ${r##*/}  ->  failed" | tee -a "$log"
done

awk '
/  ->  passed/			{ p++ }
/  ->  expected_failure/	{ p++ }
/  ->  (failed|broken)/		{ f++ }
/  ->  skipped/			{ s++ }
END {
	printf "%d passed, %d failed, %d skipped\n", p, f, s
	exit (f > 0 || p == 0)
}' "$log"
