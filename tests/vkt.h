/*
 * vkt: the harness of the vknetd integration tests.  Each test case
 * runs in a network namespace of its own, made by vkt_setup(), so the
 * real daemon it starts creates a real TAP that nobody else sees and
 * that vanishes with the test.  Client ports are SOCK_SEQPACKET
 * connections to the daemon's socket in the test's work directory; an
 * AF_PACKET "observer" on the TAP shows what reached the host kernel.
 * Every helper fails the test case itself on error, so test bodies
 * read as a list of expectations.
 */
#ifndef VKT_H
#define VKT_H

#include <sys/types.h>
#include <sys/resource.h>

#include <net/if.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "signals.h"

#define VKT_SOCK	"./vknet.sock"
#define VKT_PIDFILE	"./vknetd.pid"
#define VKT_NET		"198.51.100.1/24"
#define VKT_OUTMAX	32768	/* of a program's stdout or stderr kept */
#define VKT_BUFSZ	65536	/* receive buffers: room for any giant */
#define VKT_WAIT_MS	2000	/* for a frame that must arrive */
#define VKT_NONE_MS	300	/* for one that must not */
#define VKT_RUN_MS	5000	/* for a program to finish or get ready */
#define VKT_EXPTYPE	0x88b5	/* IEEE 802 local experimental ethertype */

/* A test case of an integration program: a description, 60 s at most. */
#define VKT_TC(name, text)						\
	ATF_TC(name);							\
	ATF_TC_HEAD(name, tc)						\
	{								\
		atf_tc_set_md_var(tc, "descr", text);			\
		atf_tc_set_md_var(tc, "timeout", "60");			\
	}								\
	ATF_TC_BODY(name, tc)

/* A program run to completion by vkt_run(). */
struct vkt_run {
	int	status;		/* exit code, or 128 + signal number */
	char	out[VKT_OUTMAX];	/* its stdout and stderr, NUL-terminated */
	char	err[VKT_OUTMAX];
};

/* The TAP named on stdout by the last daemon vkt_daemon() started. */
extern char vkt_tap[IFNAMSIZ];

void	 vkt_setup(void);
void	 vkt_ipv6(void);
void	 vkt_raise_nofile(rlim_t);
void	 vkt_loopback_ssh(void);
void	 vkt_nap(int ms);

pid_t	 vkt_spawn(void (*prep)(void), const char *const argv[]);
int	 vkt_wait(pid_t, int ms);
void	 vkt_adopt(pid_t);
void	 vkt_output(pid_t, struct vkt_run *);
void	 vkt_run(struct vkt_run *, void (*prep)(void), const char *arg0,
	    ...);
const char *vkt_flat(const char *);
void	 vkt_await(pid_t, int fd, const char *first, ...);
pid_t	 vkt_daemon(const char *arg, ...);
extern void (*vkt_daemon_prep)(void);	/* run in the child, if set */
int	 vkt_stop(pid_t);
int	 vkt_kill(pid_t, int sig);
int	 vkt_alive(pid_t);

int	 vkt_connect(const char *path);
void	 vkt_wait_listening(const char *addr, int port);
int	 vkt_connect_stream(const char *path);
int	 vkt_client(void);
void	 vkt_close(int);
void	 vkt_close_all(const int *, int n);
void	 vkt_sync(void);
int	 vkt_observer(void);
int	 vkt_observer_on(const char *ifname);
void	 vkt_send(int, const void *, size_t);
void	 vkt_send_tagged(int, const uint8_t *dst, unsigned int src,
	    uint32_t tag, uint8_t *frame, size_t *len);
ssize_t	 vkt_recv(int, void *, int ms);
void	 vkt_expect(int, const char *what, const void *, size_t);
void	 vkt_expect_none(int, const char *what, int ms);

void	 vkt_mac(uint8_t mac[MAC_LEN], unsigned int n);
in_addr_t vkt_ip(const char *);
size_t	 vkt_frame(uint8_t *, const uint8_t *dst, const uint8_t *src,
	    uint32_t tag);

int	 vkt_if_exists(const char *);
int	 vkt_if_up(const char *);
int	 vkt_if_addr(const char *, in_addr_t *);
void	 vkt_if_mac(const char *, uint8_t mac[MAC_LEN]);
void	 vkt_if_master(const char *, char master[IFNAMSIZ]);
void	 vkt_if_driver(const char *, char *, size_t);

int	 vkt_port_of(const char *sock, unsigned int client);
unsigned long long vkt_port_stat(const char *sock, const char *port,
	    const char *column);

int	 vkt_exists(const char *path);
pid_t	 vkt_pidfile(const char *path);
void	 vkt_abspath(char *, size_t, const char *name);

#endif
