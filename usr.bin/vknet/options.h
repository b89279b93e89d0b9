/*
 * vknet's command line: what it says, checked as far as it can be
 * without touching the system, so that a bad invocation leaves no trace.
 */
#ifndef VKNET_OPTIONS_H
#define VKNET_OPTIONS_H

#include "raw.h"

struct config {
	const char	*exec;		/* -E socket_path */
	char		**command;	/* -E: what to run */
	int		 server;	/* -S */
	int		 compress;	/* -C */
	const char	*lbridge;	/* -b */
	const char	*rbridge;	/* -B */
	int		 delay;		/* -r, or -1 */
	int		 retries;	/* -1: forever */
	const char	*lspec;
	char		*host;		/* [user@]host */
	const char	*rspec;
	struct conn	 excl[RAW_MAXCONN];	/* -x, and one for the link */
	int		 nexcl;
};

void	options_parse(int argc, char *argv[], struct config *);

#endif
