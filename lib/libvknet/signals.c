/*
 * Signals for a poll loop.  The caught signals (a list ending in 0)
 * stay blocked except while the loop waits (ppoll(), epoll_pwait())
 * with the mask stored in *waitmask, so a handler, which only sets a flag, can never
 * run between the loop's look at that flag and its wait, nor during
 * start-up before there is a loop to clean up.  SIGPIPE is ignored: a
 * peer that goes away shows up as EPIPE where the write happens.
 */
#include <string.h>
#include <time.h>

#include "signals.h"

void
signals_catch(void (*handler)(int), sigset_t *waitmask, const int *sigs)
{
	struct sigaction sa;
	sigset_t block;
	const int *s;

	sigemptyset(&block);
	for (s = sigs; *s != 0; s++)
		sigaddset(&block, *s);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	for (s = sigs; *s != 0; s++) {
		sigaction(*s, &sa, NULL);
		sigdelset(waitmask, *s);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
