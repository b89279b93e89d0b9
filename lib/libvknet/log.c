/*
 * Logging: one line per event.  Before log_init() and in the foreground
 * lines go to stderr prefixed with the program name; a detached daemon
 * sends them to syslog.  fatal() and fatalx() exit with status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char	*log_ident = "vknet";
static int		 log_foreground = 1;
static int		 log_verbose;

void
log_init(const char *ident, int foreground)
{
	log_ident = ident;
	log_foreground = foreground;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *errstr)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		if (errstr != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_ident, msg, errstr);
		else
			fprintf(stderr, "%s: %s\n", log_ident, msg);
		return;
	}
	if (errstr != NULL)
		syslog(pri, "%s: %s", msg, errstr);
	else
		syslog(pri, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	const char *errstr = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, errstr);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

/* Due stays due until logged: log_limited() may ask again after a caller. */
int
log_limit_due(struct log_limit *ll, time_t now)
{
	if (ll->started && now - ll->last < ll->interval) {
		ll->suppressed++;
		return (0);
	}
	return (1);
}

void
log_limited(struct log_limit *ll, time_t now, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!log_limit_due(ll, now))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ll->suppressed != 0)
		log_warnx("%s (%lu more suppressed)", msg, ll->suppressed);
	else
		log_warnx("%s", msg);
	ll->started = 1;
	ll->last = now;
	ll->suppressed = 0;
}

void
fatal(const char *fmt, ...)
{
	const char *errstr = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, errstr);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
