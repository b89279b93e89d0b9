/*
 * libFuzzer harness for vknetd's command line (usr.sbin/vknetd/
 * options.c): the input, cut at each NUL, is the argument vector after
 * "vknetd".  options_parse() either returns a configuration or ends
 * the program: usage() with EX_USAGE, or fatalx() with 1 for a socket
 * path too long for its ".ctl"; cmdline.c catches those exits
 * (-Wl,--wrap=exit) without a fork.
 *
 * Properties, from vknetd.8 and options.c:
 *
 *	- it ends with EX_USAGE, or with 1 only for a path that long;
 *	- or the configuration is one vknetd can start with: every path
 *	  set, as given or the default, the control socket the data
 *	  socket's path and ".ctl", -A, -M and -W within their ranges,
 *	  -q a path of its own, interface names that fit, secure mode
 *	  with an address, the addresses as cidr_parse() and
 *	  cidr6_parse() read them;
 *	- with -c or -s, none of the switch's options and no operand;
 *	  -x and -w only with -c;
 *	- parsed again (getopt reset), the same outcome and the same
 *	  configuration.
 */
#include <assert.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmdline.h"
#include "ctl.h"
#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
parse(int argc, char **argv, void *cf)
{
	options_parse(argc, argv, cf);
}

/* p is unset or one of the arguments, not a stray pointer. */
static void
arg(const char *p, const struct cmdline *cl)
{
	assert(p == NULL || cmdline_has(cl, p));
}

/* p is the default or one of the arguments. */
static void
given(const char *p, const char *def, const struct cmdline *cl)
{
	assert(p != NULL);
	if (p != def)
		arg(p, cl);
}

static int
streq(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static void
ifname(const char *name)
{
	assert(name == NULL || (*name != '\0' && strlen(name) < IFNAMSIZ));
}

static void
check(const struct config *cf, const struct cmdline *cl,
    const struct config *def)
{
	char ctl[PATH_MAX + sizeof(CTL_SUFFIX)];
	struct cidr v4;
	struct cidr6 v6;

	given(cf->sockpath, def->sockpath, cl);
	given(cf->pidpath, def->pidpath, cl);
	snprintf(ctl, sizeof(ctl), "%s%s", cf->sockpath, CTL_SUFFIX);
	assert(strcmp(cf->ctlpath, ctl) == 0);
	arg(cf->streampath, cl);
	arg(cf->tapname, cl);
	arg(cf->bridge, cl);
	arg(cf->address, cl);
	arg(cf->address6, cl);
	arg(cf->wfile, cl);
	assert(cf->client == 'c' || (!cf->hex && cf->wfile == NULL));
	if (cf->client != 0) {
		assert(cf->client == 'c' || cf->client == 's');
		assert(cf->pidpath == def->pidpath &&
		    cf->max_age == def->max_age &&
		    cf->stall_ms == def->stall_ms &&
		    cf->mac_limit == def->mac_limit &&
		    cf->debug == 0 && cf->secure == 1 &&
		    cf->streampath == NULL && cf->tapname == NULL &&
		    cf->bridge == NULL && cf->address == NULL &&
		    cf->address6 == NULL && !cf->net.has4 && !cf->net.has6);
		return;
	}
	assert(cf->max_age >= 1 && cf->max_age <= 86400);
	assert(cf->mac_limit >= 1 && cf->mac_limit <= 16384);
	assert(cf->stall_ms >= 10 && cf->stall_ms <= 60000);
	assert(cf->streampath == NULL ||
	    (strcmp(cf->streampath, cf->sockpath) != 0 &&
	    strcmp(cf->streampath, cf->ctlpath) != 0));
	ifname(cf->tapname);
	ifname(cf->bridge);
	assert(!cf->secure || cf->net.has4 || cf->net.has6);
	assert(cf->net.has4 == (cf->address != NULL));
	assert(cf->net.has6 == (cf->address6 != NULL));
	if (cf->address != NULL) {
		assert(strchr(cf->address, ':') == NULL);
		assert(cidr_parse(cf->address, &v4) == 0 &&
		    memcmp(&v4, &cf->net.v4, sizeof(v4)) == 0);
	}
	if (cf->address6 != NULL) {
		assert(strchr(cf->address6, ':') != NULL);
		assert(cidr6_parse(cf->address6, &v6) == 0 &&
		    memcmp(&v6, &cf->net.v6, sizeof(v6)) == 0);
	}
}

static void
same(const struct config *a, const struct config *b)
{
	assert(streq(a->sockpath, b->sockpath) &&
	    streq(a->streampath, b->streampath) &&
	    streq(a->pidpath, b->pidpath) &&
	    streq(a->tapname, b->tapname) && streq(a->bridge, b->bridge) &&
	    streq(a->address, b->address) &&
	    streq(a->address6, b->address6) && streq(a->wfile, b->wfile));
	assert(memcmp(&a->net, &b->net, sizeof(a->net)) == 0);
	assert(a->max_age == b->max_age && a->stall_ms == b->stall_ms &&
	    a->mac_limit == b->mac_limit && a->debug == b->debug &&
	    a->secure == b->secure && a->client == b->client &&
	    a->hex == b->hex && strcmp(a->ctlpath, b->ctlpath) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	static struct config cf, cf2, def;
	struct cmdline cl, cl2;
	int st;

	/* The defaults, as options.c has them: vknetd -U. */
	if (def.sockpath == NULL) {
		assert(cmdline_run(&cl, "vknetd", (const uint8_t *)"-U", 2,
		    parse, &def) == CMDLINE_RETURNED);
		cmdline_free(&cl);
	}
	st = cmdline_run(&cl, "vknetd", in, len, parse, &cf);
	if (st == CMDLINE_RETURNED)
		check(&cf, &cl, &def);
	else
		assert(st == EX_USAGE || (st == 1 && strlen(cf.sockpath) +
		    strlen(CTL_SUFFIX) >= PATH_MAX));
	assert(cmdline_run(&cl2, "vknetd", in, len, parse, &cf2) == st);
	if (st == CMDLINE_RETURNED)
		same(&cf, &cf2);
	cmdline_free(&cl);
	cmdline_free(&cl2);
	return (0);
}
