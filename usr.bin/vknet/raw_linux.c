/*
 * raw.h on Linux: an AF_PACKET socket bound to the interface.
 *
 * The socket is made with protocol 0, so it sees nothing, given a
 * filter that drops everything and only then bound to ETH_P_ALL: no
 * frame is ever queued that the filter did not judge.  raw_exclude()
 * swaps in the real filter, which drops the excluded connections.
 *
 * The interface is made promiscuous with a PACKET_MR_PROMISC
 * membership, which the kernel counts and takes back when the socket is
 * closed, however the process ends, so a promiscuous mode set by
 * someone else is never cleared and ours never outlives us.  Frames we
 * write are not read back: the kernel does not loop a packet socket's
 * own frames to it (skb_loop_sk()), so the host's own outgoing traffic
 * is still seen, which PACKET_IGNORE_OUTGOING would hide.
 *
 * GRO, TSO and GSO make frames larger than the MTU, which the other
 * side could not send; they are turned off while we run, through the
 * ethtool ioctls, and turned back on by raw_close().  Anything still
 * too large is dropped and counted by the caller.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>

#include <bsd/string.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "raw.h"

#define PROG_MAX	(RAW_MAXCONN * 4 * 25 + 2)	/* 4 blocks each */
#define PROC_LINE	512

static const struct {
	uint32_t	get, set;
} offload[] = {
	{ ETHTOOL_GGRO, ETHTOOL_SGRO },
	{ ETHTOOL_GTSO, ETHTOOL_STSO },
	{ ETHTOOL_GGSO, ETHTOOL_SGSO },
	{ ETHTOOL_GUFO, ETHTOOL_SUFO },
};
#define NOFFLOAD	(sizeof(offload) / sizeof(offload[0]))

struct prog {
	struct sock_filter	 insn[PROG_MAX];
	int			 n;
	int			 fail[64];	/* jumps to the next block */
	int			 nfail;
};

static int
ethtool(const struct raw *r, uint32_t cmd, uint32_t *data)
{
	struct ethtool_value ev;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, r->name, sizeof(ifr.ifr_name));
	ev.cmd = cmd;
	ev.data = *data;
	ifr.ifr_data = (void *)&ev;
	if (ioctl(r->fd, SIOCETHTOOL, &ifr) == -1)
		return (-1);
	*data = ev.data;
	return (0);
}

/* Off with every offload that is on; remember which, to restore. */
static void
offloads_off(struct raw *r)
{
	uint32_t on, off;
	size_t i;

	for (i = 0; i < NOFFLOAD; i++) {
		on = 0;
		off = 0;
		if (ethtool(r, offload[i].get, &on) == -1 || !on)
			continue;
		if (ethtool(r, offload[i].set, &off) == -1)
			log_warn("%s: cannot turn offload %#x off", r->name,
			    offload[i].set);
		else
			r->offloads |= 1U << i;
	}
}

static void
offloads_restore(struct raw *r)
{
	uint32_t on;
	size_t i;

	for (i = 0; i < NOFFLOAD; i++) {
		on = 1;
		if ((r->offloads & 1U << i) &&
		    ethtool(r, offload[i].set, &on) == -1)
			log_warn("%s: cannot turn offload %#x back on",
			    r->name, offload[i].set);
	}
	r->offloads = 0;
}

static int
set_filter(struct raw *r, struct sock_filter *insn, int n)
{
	struct sock_fprog fp;

	fp.len = (unsigned short)n;
	fp.filter = insn;
	return (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
	    sizeof(fp)));
}

int
raw_block(struct raw *r)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);

	return (set_filter(r, &none, 1));
}

int
raw_open(struct raw *r, const char *ifname)
{
	struct packet_mreq mr;
	struct sockaddr_ll sll;
	struct ifreq ifr;

	memset(r, 0, sizeof(*r));
	if (strlcpy(r->name, ifname, sizeof(r->name)) >= sizeof(r->name)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if ((r->ifindex = (int)if_nametoindex(ifname)) == 0 ||
	    raw_block(r) == -1)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(r->fd, SIOCGIFMTU, &ifr) == -1)
		goto fail;
	r->mtu = (unsigned int)ifr.ifr_mtu;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		goto fail;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = r->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1)
		goto fail;
	offloads_off(r);
	return (0);
fail:
	raw_close(r);
	return (-1);
}

void
raw_close(struct raw *r)
{
	int save = errno;

	if (r->fd == -1)
		return;
	offloads_restore(r);
	close(r->fd);
	r->fd = -1;
	errno = save;
}

/* One frame out; a frame larger than the interface takes is EMSGSIZE. */
ssize_t
raw_send(struct raw *r, const void *frame, size_t len)
{
	if (len > r->mtu + ETHER_HDR_LEN) {
		errno = EMSGSIZE;
		return (-1);
	}
	return (send(r->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL));
}

static void
emit(struct prog *p, uint16_t code, uint32_t k)
{
	struct sock_filter f = BPF_STMT(code, k);

	p->insn[p->n++] = f;
}

/* "If A != k, on to the next block." */
static void
expect(struct prog *p, uint16_t code, uint32_t off, uint32_t k)
{
	struct sock_filter f = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);

	emit(p, code, off);
	p->fail[p->nfail++] = p->n;
	p->insn[p->n++] = f;
}

static void
expect_addr(struct prog *p, const struct endpoint *ep, uint32_t off)
{
	uint32_t w;
	int i;

	for (i = 0; i < (ep->af == AF_INET ? 1 : 4); i++) {
		memcpy(&w, ep->addr + 4 * i, 4);
		expect(p, BPF_LD | BPF_W | BPF_ABS, off + 4 * (uint32_t)i,
		    ntohl(w));
	}
}

/*
 * One direction of a connection, as one block of the filter: it falls
 * through to the next block unless the frame is an untagged IPv4 or
 * IPv6 packet from `src' to `dst', which it sends to the drop at the
 * end.  Ports are matched in TCP and UDP; an IPv4 fragment after the
 * first has none and matches on its addresses alone.
 */
static void
block(struct prog *p, int af, const struct endpoint *src,
    const struct endpoint *dst)
{
	int v4 = af == AF_INET, i, frag = -1, proto;
	uint32_t l3 = ETHER_HDR_LEN;

	p->nfail = 0;
	expect(p, BPF_LD | BPF_H | BPF_ABS, 12, v4 ? ETH_P_IP : ETH_P_IPV6);
	if (src->af != AF_UNSPEC)
		expect_addr(p, src, l3 + (v4 ? 12 : 8));
	if (dst->af != AF_UNSPEC)
		expect_addr(p, dst, l3 + (v4 ? 16 : 24));
	if (src->port != 0 || dst->port != 0) {
		/* TCP or UDP, else on to the next block. */
		emit(p, BPF_LD | BPF_B | BPF_ABS, l3 + (v4 ? 9 : 6));
		proto = p->n;
		p->insn[p->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
		    BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 0);
		p->insn[p->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
		    BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 0);
		p->fail[p->nfail++] = p->n - 1;
		p->insn[proto].jt = 1;
		if (v4) {
			emit(p, BPF_LD | BPF_H | BPF_ABS, l3 + 6);
			frag = p->n;
			p->insn[p->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
			    BPF_JSET | BPF_K, 0x1fff, 0, 0);
			emit(p, BPF_LDX | BPF_B | BPF_MSH, l3);
		} else
			emit(p, BPF_LDX | BPF_W | BPF_IMM, 40);
		if (src->port != 0)
			expect(p, BPF_LD | BPF_H | BPF_IND, l3, src->port);
		if (dst->port != 0)
			expect(p, BPF_LD | BPF_H | BPF_IND, l3 + 2, dst->port);
	}
	/* A match: to the drop, the last instruction, set by the caller. */
	if (frag != -1)
		p->insn[frag].jt = (uint8_t)(p->n - frag - 1);
	emit(p, BPF_JMP | BPF_JA, 0);
	for (i = 0; i < p->nfail; i++)
		p->insn[p->fail[i]].jf = (uint8_t)(p->n - p->fail[i] - 1);
}

int
raw_exclude(struct raw *r, const struct conn *c, int n)
{
	static struct prog p;
	int i, af, j;

	if (n > RAW_MAXCONN) {
		errno = E2BIG;
		return (-1);
	}
	p.n = 0;
	for (i = 0; i < n; i++) {
		af = c[i].a.af != AF_UNSPEC ? c[i].a.af : c[i].b.af;
		if (af == AF_UNSPEC || af == AF_INET) {
			block(&p, AF_INET, &c[i].a, &c[i].b);
			block(&p, AF_INET, &c[i].b, &c[i].a);
		}
		if (af == AF_UNSPEC || af == AF_INET6) {
			block(&p, AF_INET6, &c[i].a, &c[i].b);
			block(&p, AF_INET6, &c[i].b, &c[i].a);
		}
	}
	emit(&p, BPF_RET | BPF_K, UINT32_MAX);
	emit(&p, BPF_RET | BPF_K, 0);
	/* Every block ends in a jump to the drop. */
	for (j = 0; j < p.n - 2; j++)
		if (p.insn[j].code == (BPF_JMP | BPF_JA))
			p.insn[j].k = (uint32_t)(p.n - 1 - j - 1);
	return (set_filter(r, p.insn, p.n));
}

/* "0100007F:0016" or the IPv6 one, as /proc/net/tcp shows them. */
static int
proc_endpoint(const char *s, int af, struct endpoint *ep)
{
	char word[9];
	uint32_t w;
	int i, nw = af == AF_INET ? 1 : 4;

	ep->af = af;
	for (i = 0; i < nw; i++) {
		if (strspn(s, "0123456789ABCDEFabcdef") < 8)
			return (-1);
		memcpy(word, s, 8);
		word[8] = '\0';
		w = (uint32_t)strtoul(word, NULL, 16);
		memcpy(ep->addr + 4 * i, &w, 4);
		s += 8;
	}
	if (*s++ != ':')
		return (-1);
	ep->port = (uint16_t)strtoul(s, NULL, 16);
	return (0);
}

/* An IPv6 socket talking IPv4 shows ::ffff:a.b.c.d; the wire has IPv4. */
static void
unmap(struct endpoint *ep)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (ep->af == AF_INET6 && memcmp(ep->addr, mapped, 12) == 0) {
		memmove(ep->addr, ep->addr + 12, 4);
		memset(ep->addr + 4, 0, 12);
		ep->af = AF_INET;
	}
}

static int
proc_find(const char *file, int af, unsigned long inode, struct conn *c)
{
	char line[PROC_LINE], local[64], remote[64];
	unsigned long ino;
	FILE *fp;
	int found = 0;

	if ((fp = fopen(file, "r")) == NULL)
		return (0);
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s "
		    "%lu", local, remote, &ino) != 3 || ino != inode)
			continue;
		found = proc_endpoint(local, af, &c->a) == 0 &&
		    proc_endpoint(remote, af, &c->b) == 0 && c->b.port != 0;
	}
	if (found) {
		unmap(&c->a);
		unmap(&c->b);
	}
	fclose(fp);
	return (found);
}

/*
 * The TCP connection process pid has made, found by the inode of its
 * socket in /proc/pid/fd and looked up in /proc/net/tcp{,6}.  0 if it
 * has none (yet), 1 if found.
 */
int
raw_conn_of(pid_t pid, struct conn *c)
{
	char dir[64], path[320], link[64];
	struct dirent *de;
	unsigned long inode;
	ssize_t n;
	DIR *d;
	int found = 0;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(dir)) == NULL)
		return (-1);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		memset(c, 0, sizeof(*c));
		found = proc_find("/proc/net/tcp", AF_INET, inode, c) ||
		    proc_find("/proc/net/tcp6", AF_INET6, inode, c);
	}
	closedir(d);
	return (found);
}
