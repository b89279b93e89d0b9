/*
 * Logging shared by vknetd and vknet: stderr while in the foreground,
 * syslog(3) once a daemon has detached.  Modelled on OpenBSD's log.c.
 */
#ifndef VKNET_LOG_H
#define VKNET_LOG_H

#include <stdarg.h>
#include <time.h>

/*
 * Rate-limited warnings, for lines a peer can cause: one struct per
 * reason, static, set up with LOG_LIMIT(seconds).  log_limited() logs
 * at most one line per interval for it, like log_warnx(); lines in
 * between are counted, and the count is appended to the next line that
 * goes out ("... (41 more suppressed)").  now is any clock in seconds
 * that does not go backwards.  A line whose arguments cost work to
 * make (a MAC address to format, on a path every frame takes) asks
 * log_limit_due() first: when it says no, the line is counted as
 * suppressed and log_limited() is not called, so nothing is formatted.
 */
struct log_limit {
	time_t		 interval;
	time_t		 last;
	unsigned long	 suppressed;
	int		 started;
};
#define LOG_LIMIT(secs)	{ (secs), 0, 0, 0 }

void	log_init(const char *ident, int foreground);
void	log_setverbose(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
int	log_limit_due(struct log_limit *, time_t now);
void	log_limited(struct log_limit *, time_t now, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
