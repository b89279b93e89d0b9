/*
 * vknet -E: put a program on a vknetd switch with nothing in between.
 *
 * vknet connects to the switch's SOCK_SEQPACKET socket, as a vkernel
 * does, and then becomes the command: the connected descriptor stays
 * open across execvp(3), every literal "{}" in the command's arguments
 * is replaced by its number, and VKNET_FD holds it too.  Being the same
 * process, the command is the peer vknetd sees (vknetd -s shows its
 * pid).  QEMU's "-netdev dgram,local.type=fd,local.str=N" takes such a
 * descriptor and speaks vknetd's own format on it, one frame per
 * message, so the guest is a port of the switch like any other; lima's
 * socket_vmnet_client does the same for socket_vmnet.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "local.h"
#include "log.h"

#define FD_MARK		"{}"

/* arg with every FD_MARK replaced by fd's number, or arg itself. */
static char *
fill_in(char *arg, const char *num)
{
	size_t n = 0, len;
	char *s, *out, *p;

	for (s = arg; (s = strstr(s, FD_MARK)) != NULL; s += strlen(FD_MARK))
		n++;
	if (n == 0)
		return (arg);
	len = strlen(arg) + n * strlen(num) + 1;
	if ((out = malloc(len)) == NULL)
		fatal("out of memory");
	for (p = out; (s = strstr(arg, FD_MARK)) != NULL;
	    arg = s + strlen(FD_MARK)) {
		memcpy(p, arg, (size_t)(s - arg));
		p += s - arg;
		p = stpcpy(p, num);
	}
	strcpy(p, arg);
	return (out);
}

/*
 * Connect to the switch at path and exec argv with the connection.
 * Returns only on failure, with the exit status to use: 1 if the
 * switch cannot be reached, 126 or 127 if the command cannot be run,
 * as sh(1) has it.
 */
int
exec_on_switch(const char *path, char *argv[])
{
	struct local lc;
	char num[16];
	int fd, i;

	/*
	 * vknetd reads its peer's name as it accepts, which may be before
	 * the exec: give it the command's name from the start, not ours,
	 * or a guest would be shown as a vknet link.
	 */
	(void)prctl(PR_SET_NAME, basename(argv[0]), 0, 0, 0);
	if (local_open(&lc, path, NULL) == -1)
		return (1);
	fd = lc.fd;
	/* Descriptors 0 to 2 would be taken for the command's stdio. */
	if (fd <= STDERR_FILENO && (fd = fcntl(lc.fd, F_DUPFD, 3)) == -1)
		fatal("dup");
	if (fcntl(fd, F_SETFD, 0) == -1)
		fatal("fcntl");
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv("VKNET_FD", num, 1) == -1)
		fatal("setenv");
	for (i = 0; argv[i] != NULL; i++)
		argv[i] = fill_in(argv[i], num);
	execvp(argv[0], argv);
	log_warn("%s", argv[0]);
	return (errno == ENOENT ? 127 : 126);
}
