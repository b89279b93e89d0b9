/*
 * TAP devices through Linux's tun driver.  A TAP opened by name is
 * created when missing; without a name the kernel picks the first free
 * "tapN".  Either way the TAP we create is not persistent, so the
 * kernel removes it when our descriptor closes, even if we crash.  An
 * existing TAP is given back in the state we found it: up or down, and
 * in the bridge it was in.
 */
#include <sys/ioctl.h>

#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "netif.h"

int
tap_open(struct tap *tap, const char *name)
{
	struct ifreq ifr;
	int saved;

	memset(tap, 0, sizeof(*tap));
	if (name != NULL && strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (name != NULL && netif_exists(name)) {
		if ((tap->was_up = netif_is_up(name)) == -1 ||
		    netif_master(name, tap->master) == -1)
			return (-1);
	} else
		tap->created = 1;

	if ((tap->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name != NULL ? name : "tap%d",
	    sizeof(ifr.ifr_name) - 1);
	if (ioctl(tap->fd, TUNSETIFF, &ifr) == -1) {
		saved = errno;
		close(tap->fd);
		errno = saved;
		return (-1);
	}
	memcpy(tap->name, ifr.ifr_name, sizeof(tap->name));
	tap->name[IFNAMSIZ - 1] = '\0';
	return (0);
}

void
tap_close(struct tap *tap)
{
	if (tap->fd == -1)
		return;
	if (!tap->created) {
		(void)netif_set_master(tap->name,
		    tap->master[0] != '\0' ? tap->master : NULL);
		(void)netif_set_up(tap->name, tap->was_up);
	}
	close(tap->fd);
	tap->fd = -1;
}
