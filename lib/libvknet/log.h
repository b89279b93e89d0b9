/*
 * Logging shared by vknetd and vknet: stderr while in the foreground,
 * syslog(3) once a daemon has detached.  Modelled on OpenBSD's log.c.
 */
#ifndef VKNET_LOG_H
#define VKNET_LOG_H

#include <stdarg.h>

void	log_init(const char *ident, int foreground);
void	log_setverbose(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
