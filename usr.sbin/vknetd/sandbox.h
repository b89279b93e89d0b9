/*
 * Confinement of the switch process: an unprivileged user of its own,
 * an empty chroot, no capabilities, no new privileges and a seccomp
 * allowlist (sandbox.c).
 */
#ifndef VKNETD_SANDBOX_H
#define VKNETD_SANDBOX_H

#include <sys/types.h>

#define VKNETD_USER	"_vknetd"
#define VKNETD_EMPTY	"/var/run/vknetd"

void	sandbox_prepare(void);
void	sandbox_enter(pid_t parent);

#endif
