#!/bin/sh
# Run every test under kyua(1) and end with the one line CI reads:
# "N passed, M failed, K skipped".  Broken tests count as failed.
cd "$(dirname "$0")/../tests" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
kyua test -k Kyuafile 2>&1 | tee "$log"
kyua report --verbose --results-filter broken,failed 2>/dev/null |
    sed -n '/===> Failed tests/,$p;/===> Broken tests/,$p' | head -200
awk '
/  ->  passed/			{ p++ }
/  ->  expected_failure/	{ p++ }
/  ->  (failed|broken)/		{ f++ }
/  ->  skipped/			{ s++ }
END {
	printf "%d passed, %d failed, %d skipped\n", p, f, s
	exit (f > 0 || p == 0)
}' "$log"
