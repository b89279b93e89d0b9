/*
 * The peer's process name, read once at connect from /proc/<pid>/comm.
 * It is what the peer calls itself, so it is shown, never trusted: any
 * user can name a process "vknet".  A peer that has already gone, or a
 * pid from another pid namespace, gives "?".
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

void
peer_name(pid_t pid, char name[PEER_NAMEMAX])
{
	char path[32];
	ssize_t n = -1;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, name, PEER_NAMEMAX - 1);
		close(fd);
	}
	if (n <= 0) {
		strcpy(name, "?");
		return;
	}
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	/* It is the peer's to choose: nothing unprintable reaches a log. */
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 0x20 || name[i] == 0x7f)
			name[i] = '?';
}
