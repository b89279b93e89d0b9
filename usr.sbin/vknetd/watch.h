/*
 * The client side of the control socket: "vknetd -c" and "vknetd -s".
 * Each returns the exit status for main().
 */
#ifndef VKNETD_WATCH_H
#define VKNETD_WATCH_H

int	watch_frames(const char *ctlpath, int hex, const char *wfile);
int	watch_stats(const char *ctlpath);

#endif
