/*
 * Command lines for the options harnesses (cmdline.h).
 *
 * The programs are linked with -Wl,--wrap=exit, so that the exit()
 * of usage() or fatalx() comes to __wrap_exit(), which jumps back to
 * cmdline_run(): no fork per input, which would cost a thousand times
 * the parse and hide the parser from libFuzzer's coverage.  Any other
 * exit, libFuzzer's own, goes on to the real one.  What the parser
 * says on stderr on the way is kept quiet (quiet.h).
 */
#include <assert.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "quiet.h"

void	__real_exit(int) __attribute__((noreturn));
void	__wrap_exit(int) __attribute__((noreturn));

static jmp_buf		 back;
static volatile int	 armed;
static volatile int	 status;

void
__wrap_exit(int st)
{
	if (!armed)
		__real_exit(st);
	armed = 0;
	status = st;
	longjmp(back, 1);
}

int
cmdline_run(struct cmdline *cl, const char *argv0, const uint8_t *in,
    size_t len, void (*parse)(int, char **, void *), void *arg)
{
	size_t i;

	/* Exactly as long as the input and a NUL, for ASan. */
	assert((cl->copy = malloc(len + 1)) != NULL);
	memcpy(cl->copy, in, len);
	cl->copy[len] = '\0';
	cl->len = len;
	cl->argv[0] = (char *)argv0;
	cl->argc = 1;
	for (i = 0; len > 0 && i <= len && cl->argc <= CMDLINE_MAXARGS;
	    i += strlen(cl->copy + i) + 1)
		cl->argv[cl->argc++] = cl->copy + i;
	cl->argv[cl->argc] = NULL;
	optind = 0;		/* glibc: start afresh, mid-cluster or not */
	status = CMDLINE_RETURNED;
	quiet(1);
	if (setjmp(back) == 0) {
		armed = 1;
		parse(cl->argc, cl->argv, arg);
		armed = 0;
	}
	quiet(0);
	return (status);
}

/* Is p one of the arguments, or inside one? */
int
cmdline_has(const struct cmdline *cl, const char *p)
{
	return (p >= cl->copy && p <= cl->copy + cl->len);
}

void
cmdline_free(struct cmdline *cl)
{
	free(cl->copy);
	cl->copy = NULL;
}
