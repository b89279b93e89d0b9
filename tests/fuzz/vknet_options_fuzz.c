/*
 * libFuzzer harness for vknet's command line (usr.bin/vknet/options.c):
 * the input, cut at each NUL, is the argument vector after "vknet".
 * options_parse() either returns a configuration or ends the program
 * with usage()'s EX_USAGE; cmdline.c catches that exit
 * (-Wl,--wrap=exit) without a fork.
 *
 * Properties, from vknet.1 and options.c:
 *
 *	- it ends with EX_USAGE, or the configuration is one of the three
 *	  forms of the SYNOPSIS, each with only its own options;
 *	- every spec passes spec_check() with its bridge, -E's names a
 *	  socket, -x goes with a raw interface, at most RAW_MAXCONN - 1
 *	  of them, each an address and the same family at both ends;
 *	- the destination is host, then ':' and the remote spec or the
 *	  default: a host that does not begin with '-', has no ':', and
 *	  a user before '@' only with a host after it;
 *	- -r's delay is 0 to 86400, its retries 0 or more, or -1 for
 *	  forever (and both -1 without -r);
 *	- the strings are the arguments, not copies or strays;
 *	- parsed again (getopt reset), the same outcome and the same
 *	  configuration.
 *
 * vknetd has an options.h too: vknet's headers are named by their path.
 */
#include <sys/socket.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmdline.h"
#include "../../usr.bin/vknet/local.h"
#include "../../usr.bin/vknet/options.h"

#define DEFAULT_REMOTE	"/var/run/vknet"	/* vknet.1 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
parse(int argc, char **argv, void *cf)
{
	options_parse(argc, argv, cf);
}

static int
streq(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static void
arg(const char *p, const struct cmdline *cl)
{
	assert(p == NULL || cmdline_has(cl, p));
}

static void
check_excl(const struct config *cf)
{
	const struct conn *c;
	int i;

	assert(cf->nexcl >= 0 && cf->nexcl <= RAW_MAXCONN - 1);
	assert(cf->nexcl == 0 || spec_is_raw(cf->lspec));
	for (i = 0; i < cf->nexcl; i++) {
		c = &cf->excl[i];
		assert(c->a.af == AF_INET || c->a.af == AF_INET6);
		assert(c->b.af == AF_UNSPEC || c->b.af == c->a.af);
	}
}

/* "vknet [-C] [-b ..] [-B ..] [-r ..] [-x ..] local-spec dest" */
static void
check_client(const struct config *cf, const struct cmdline *cl)
{
	const char *dest = cl->argv[cl->argc - 1], *at;
	size_t hostlen;

	assert(cf->lspec == cl->argv[cl->argc - 2]);
	assert(spec_check(cf->lspec, cf->lbridge, "-b") == 0);
	assert(spec_check(cf->rspec, cf->rbridge, "-B") == 0);
	check_excl(cf);
	assert(cf->host != NULL && (hostlen = strlen(cf->host)) > 0);
	assert(cf->host[0] != '-' && strchr(cf->host, ':') == NULL);
	assert((at = strchr(cf->host, '@')) == NULL || at[1] != '\0');
	assert(strncmp(dest, cf->host, hostlen) == 0);
	if (dest[hostlen] == ':')
		assert(cf->rspec == dest + hostlen + 1 &&
		    cf->rspec[0] != '\0');
	else
		assert(dest[hostlen] == '\0' &&
		    strcmp(cf->rspec, DEFAULT_REMOTE) == 0);
	assert((cf->delay >= 0 && cf->delay <= 86400) ||
	    (cf->delay == -1 && cf->retries == -1));
	assert(cf->retries >= -1);
}

static void
check(const struct config *cf, const struct cmdline *cl)
{
	char **w;

	arg(cf->exec, cl);
	arg(cf->lbridge, cl);
	arg(cf->rbridge, cl);
	arg(cf->lspec, cl);
	if (cf->exec != NULL) {
		/* "vknet -E socket_path command [argument ...]" */
		assert(spec_check(cf->exec, NULL, "-E") == 0 &&
		    !spec_is_tap(cf->exec));
		assert(cf->command > cl->argv &&
		    cf->command < cl->argv + cl->argc && *cf->command != NULL);
		for (w = cf->command; *w != NULL; w++)
			assert(w < cl->argv + cl->argc);
		assert(!cf->server && !cf->compress && cf->lbridge == NULL &&
		    cf->rbridge == NULL && cf->delay == -1 &&
		    cf->nexcl == 0 && cf->lspec == NULL && cf->host == NULL);
		return;
	}
	assert(cf->command == NULL && cf->lspec != NULL);
	if (cf->server) {
		/* "vknet -S [-b bridge] [-x connection] spec" */
		assert(cf->lspec == cl->argv[cl->argc - 1]);
		assert(spec_check(cf->lspec, cf->lbridge, "-b") == 0);
		check_excl(cf);
		assert(!cf->compress && cf->rbridge == NULL &&
		    cf->delay == -1 && cf->host == NULL && cf->rspec == NULL);
		return;
	}
	check_client(cf, cl);
	arg(cf->rspec == NULL || strcmp(cf->rspec, DEFAULT_REMOTE) == 0 ?
	    NULL : cf->rspec, cl);
}

static void
same(const struct config *a, const struct config *b)
{
	assert(streq(a->exec, b->exec) && streq(a->lbridge, b->lbridge) &&
	    streq(a->rbridge, b->rbridge) && streq(a->lspec, b->lspec) &&
	    streq(a->host, b->host) && streq(a->rspec, b->rspec));
	assert((a->command == NULL) == (b->command == NULL));
	assert(a->server == b->server && a->compress == b->compress &&
	    a->delay == b->delay && a->retries == b->retries &&
	    a->nexcl == b->nexcl);
	assert(memcmp(a->excl, b->excl, sizeof(a->excl[0]) *
	    (size_t)a->nexcl) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	static struct config cf, cf2;
	struct cmdline cl, cl2;
	int st;

	st = cmdline_run(&cl, "vknet", in, len, parse, &cf);
	if (st == CMDLINE_RETURNED)
		check(&cf, &cl);
	else
		assert(st == EX_USAGE);
	assert(cmdline_run(&cl2, "vknet", in, len, parse, &cf2) == st);
	if (st == CMDLINE_RETURNED)
		same(&cf, &cf2);
	/* parse_destination()'s, even on the way to usage(). */
	free(cf.host);
	free(cf2.host);
	cmdline_free(&cl);
	cmdline_free(&cl2);
	return (0);
}
