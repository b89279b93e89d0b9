/*
 * vknet's command line (options.h).  Every spec and value is checked
 * here, before anything is created; a mistake gets one line naming it
 * and why, then the usage message and EX_USAGE.
 */
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "local.h"
#include "log.h"
#include "options.h"

#define DEFAULT_REMOTE	"/var/run/vknet"
#define MAX_DELAY	86400

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: vknet [-C] [-b local-bridge] "
	    "[-B remote-bridge] [-r delay[:retries]]\n"
	    "             [-x connection] local-spec "
	    "[user@]host[:remote-spec]\n"
	    "       vknet -E socket_path command [argument ...]\n"
	    "       vknet -S [-b bridge] [-x connection] spec\n");
	exit(EX_USAGE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	usage();
}

static void
parse_retry(const char *arg, struct config *cf)
{
	const char *errstr;
	char buf[32], *colon;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		bad_usage("-r %s: too long", arg);
	cf->retries = -1;
	if ((colon = strchr(buf, ':')) != NULL) {
		*colon = '\0';
		cf->retries = (int)strtonum(colon + 1, 0, INT_MAX, &errstr);
		if (errstr != NULL)
			bad_usage("-r %s: retries is %s", arg, errstr);
	}
	cf->delay = (int)strtonum(buf, 0, MAX_DELAY, &errstr);
	if (errstr != NULL)
		bad_usage("-r %s: delay is %s (0 to %d seconds)", arg, errstr,
		    MAX_DELAY);
}

/* "[user@]host[:remote-spec]", as scp(1) has it: the first ':' ends host. */
static void
parse_destination(const char *dest, struct config *cf)
{
	const char *colon = strchr(dest, ':');
	size_t hostlen = colon != NULL ? (size_t)(colon - dest) : strlen(dest);
	const char *at;

	cf->rspec = colon != NULL ? colon + 1 : DEFAULT_REMOTE;
	if ((cf->host = strndup(dest, hostlen)) == NULL)
		fatal("strndup");
	at = strchr(cf->host, '@');
	if (hostlen == 0 || (at != NULL && at[1] == '\0'))
		bad_usage("%s: no host", dest);
	/* ssh would take it for an option. */
	if (cf->host[0] == '-')
		bad_usage("%s: a host cannot begin with '-'", dest);
	if (cf->rspec[0] == '\0')
		bad_usage("%s: empty remote-spec after ':'", dest);
}

void
options_parse(int argc, char *argv[], struct config *cf)
{
	int ch;

	memset(cf, 0, sizeof(*cf));
	cf->delay = -1;
	cf->retries = -1;
	/* "+": options end at the first operand, as on BSD. */
	while ((ch = getopt(argc, argv, "+B:b:CE:r:Sx:")) != -1) {
		switch (ch) {
		case 'B':
			cf->rbridge = optarg;
			break;
		case 'b':
			cf->lbridge = optarg;
			break;
		case 'C':
			cf->compress = 1;
			break;
		case 'E':
			cf->exec = optarg;
			break;
		case 'r':
			parse_retry(optarg, cf);
			break;
		case 'S':
			cf->server = 1;
			break;
		case 'x':
			/* One slot is kept for the link's own connection. */
			if (cf->nexcl == RAW_MAXCONN - 1)
				bad_usage("-x: at most %d", RAW_MAXCONN - 1);
			if (conn_parse(optarg, &cf->excl[cf->nexcl++]) == -1)
				bad_usage("-x %s: not \"address [port "
				    "[address [port]]]\"", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (cf->exec != NULL) {
		if (argc == 0 || cf->server || cf->compress ||
		    cf->lbridge != NULL || cf->rbridge != NULL ||
		    cf->delay != -1 || cf->nexcl != 0)
			usage();
		if (spec_check(cf->exec, NULL, "-E") == -1)
			usage();
		if (spec_is_tap(cf->exec))
			bad_usage("-E %s: not a socket path (./%s for one "
			    "here)", cf->exec, cf->exec);
		cf->command = argv;
		return;
	}
	if (cf->server) {
		if (argc != 1 || cf->compress || cf->rbridge != NULL ||
		    cf->delay != -1)
			usage();
	} else if (argc != 2)
		usage();
	cf->lspec = argv[0];
	if (spec_check(cf->lspec, cf->lbridge, "-b") == -1)
		usage();
	if (cf->nexcl != 0 && !spec_is_raw(cf->lspec))
		bad_usage("-x: %s is not a raw interface", cf->lspec);
	if (cf->server)
		return;
	parse_destination(argv[1], cf);
	if (spec_check(cf->rspec, cf->rbridge, "-B") == -1)
		usage();
}
