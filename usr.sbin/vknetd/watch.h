/*
 * The client side of the control socket: "vknetd -c", "-s", "-k" and
 * "-f".  Returns the exit status for main().
 */
#ifndef VKNETD_WATCH_H
#define VKNETD_WATCH_H

#include "options.h"

int	watch_command(const struct config *);

#endif
