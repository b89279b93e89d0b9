/*
 * Quiet while the code under test runs: it logs to stderr (log.c) on
 * bad input, which a fuzzer feeds it a million times a minute.  Only
 * that code is silenced, not the harness: a failed assert() after
 * quiet(0) still says what failed, under libFuzzer and in the replay.
 */
#ifndef FUZZ_QUIET_H
#define FUZZ_QUIET_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static inline void
quiet(int on)
{
	static int saved = -1, devnull = -1;

	if (saved == -1 && ((saved = dup(STDERR_FILENO)) == -1 ||
	    (devnull = open("/dev/null", O_WRONLY)) == -1)) {
		perror("quiet: /dev/null");
		_exit(1);
	}
	fflush(stderr);
	(void)dup2(on ? devnull : saved, STDERR_FILENO);
}

#endif
