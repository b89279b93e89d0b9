/*
 * vknet -E: run a command with a connection to a vknetd switch, for
 * QEMU's "-netdev dgram" on an inherited descriptor.
 */
#ifndef VKNET_EXEC_H
#define VKNET_EXEC_H

int	exec_on_switch(const char *path, char *argv[]);

#endif
