/*
 * vkpeer: a minimal IPv4 host on a vknetd(8) switch, for the tests and
 * the demo.  It joins the switch's socket as one client port with a
 * MAC and an IPv4 address, answers ARP and ping for that address and,
 * with -P, resolves and pings another address the way ping(8) does.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ether.h"
#include "frames.h"

#define ECHO_GAP_MS	200	/* between echo requests */
#define ARP_GAP_MS	1000	/* between tries to resolve the target */
#define GRACE_MS	5000	/* for replies after the last request */
#define ECHO_DATA	56	/* bytes after the ICMP header, as ping(8) */
#define NEVER		(-1LL)

struct ping {
	in_addr_t	 dst;
	uint8_t		 mac[MAC_LEN];
	int		 resolved;
	int		 count;
	int		 sent;
	int		 received;
	uint8_t		*seen;		/* seen[seq - 1]: a reply arrived */
	uint16_t	 id;
	long long	 next_arp;
	long long	 next_echo;
};

struct peer {
	int		 fd;
	const char	*path;
	uint8_t		 mac[MAC_LEN];
	in_addr_t	 ip;
	int		 verbose;
	struct ping	*ping;		/* NULL without -P */
};

static volatile sig_atomic_t quit;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: vkpeer -p socket -m mac -a ipv4 "
	    "[-P dst-ipv4 [-c count]] [-t seconds] [-v]\n");
	exit(EX_USAGE);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static const char *
ipstr(in_addr_t a)
{
	static char buf[2][INET_ADDRSTRLEN];
	static int i;
	struct in_addr in = { .s_addr = a };

	i = !i;
	return (inet_ntop(AF_INET, &in, buf[i], sizeof(buf[i])));
}

static in_addr_t
parse_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		errx(EX_USAGE, "%s: not an IPv4 address", s);
	return (a.s_addr);
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
peer_send(struct peer *p, const uint8_t *f, size_t len)
{
	if (send(p->fd, f, len, MSG_NOSIGNAL) == -1)
		err(EX_UNAVAILABLE, "send to %s", p->path);
}

static void
send_arp(struct peer *p, uint16_t op, const uint8_t *dst, in_addr_t tpa)
{
	struct fr_arp a = { .op = op, .spa = p->ip, .tpa = tpa };
	uint8_t f[FR_ARP_LEN];

	memcpy(a.sha, p->mac, MAC_LEN);
	if (op == ARP_REPLY)
		memcpy(a.tha, dst, MAC_LEN);
	peer_send(p, f, fr_arp(f, dst, p->mac, &a));
}

static void
send_echo(struct peer *p, struct ping *pg)
{
	struct fr_echo e = { ICMP_ECHO, pg->id, (uint16_t)(pg->sent + 1) };
	struct fr_addrs ad = { .dip = pg->dst, .sip = p->ip };
	uint8_t f[ETHER_HDR + FR_IP_HDR + FR_ICMP_HDR + ECHO_DATA];
	uint8_t data[ECHO_DATA];
	long long t = now_us();
	size_t i;

	memcpy(data, &t, sizeof(t));
	for (i = sizeof(t); i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	memcpy(ad.dst, pg->mac, MAC_LEN);
	memcpy(ad.src, p->mac, MAC_LEN);
	peer_send(p, f, fr_icmp_echo(f, &ad, &e, data, sizeof(data)));
	pg->sent++;
}

static void
describe_ipv4(const struct fr_ip *ip)
{
	struct fr_echo e;

	printf("%s > %s ", ipstr(ip->src), ipstr(ip->dst));
	if (fr_echo_parse(ip, &e) == 0)
		printf("icmp echo %s id %u seq %u\n",
		    e.type == ICMP_ECHO ? "request" : "reply", e.id, e.seq);
	else if ((ip->proto == IPPROTO_UDP || ip->proto == IPPROTO_TCP) &&
	    ip->l4len >= 4)
		printf("%s %u > %u\n", ip->proto == IPPROTO_UDP ? "udp" :
		    "tcp", (unsigned int)(ip->l4[0] << 8 | ip->l4[1]),
		    (unsigned int)(ip->l4[2] << 8 | ip->l4[3]));
	else
		printf("proto %u len %zu\n", ip->proto, ip->l4len);
}

/* One line per frame, in the manner of tcpdump(8). */
static void
describe(const uint8_t *f, size_t len)
{
	char src[MAC_STRLEN], dst[MAC_STRLEN], sha[MAC_STRLEN];
	struct fr_arp a;
	struct fr_ip ip;

	printf("rx %s > %s ", mac_fmt(src, f + MAC_LEN), mac_fmt(dst, f));
	if (fr_arp_parse(f, len, &a) == 0 && a.op == ARP_REQUEST)
		printf("arp who-has %s tell %s\n", ipstr(a.tpa),
		    ipstr(a.spa));
	else if (fr_arp_parse(f, len, &a) == 0)
		printf("arp reply %s is-at %s\n", ipstr(a.spa),
		    mac_fmt(sha, a.sha));
	else if (fr_ipv4_parse(f, len, &ip) == 0)
		describe_ipv4(&ip);
	else
		printf("type 0x%04x len %zu\n", frame_ethertype(f), len);
}

static void
on_arp(struct peer *p, const uint8_t *f, const struct fr_arp *a)
{
	struct ping *pg = p->ping;

	if (a->op == ARP_REQUEST && a->tpa == p->ip && a->spa != p->ip)
		send_arp(p, ARP_REPLY, f + MAC_LEN, a->spa);
	if (pg != NULL && !pg->resolved && a->spa == pg->dst) {
		memcpy(pg->mac, a->sha, MAC_LEN);
		pg->resolved = 1;
		pg->next_echo = now_ms();
	}
}

static void
answer_echo(struct peer *p, const uint8_t *f, const struct fr_ip *ip,
    const struct fr_echo *req)
{
	struct fr_echo e = { ICMP_ECHOREPLY, req->id, req->seq };
	struct fr_addrs ad = { .dip = ip->src, .sip = p->ip };
	uint8_t out[FRAME_MAX];
	size_t dlen = ip->l4len - FR_ICMP_HDR;

	if (ETHER_HDR + FR_IP_HDR + FR_ICMP_HDR + dlen > sizeof(out))
		return;
	memcpy(ad.dst, f + MAC_LEN, MAC_LEN);
	memcpy(ad.src, p->mac, MAC_LEN);
	peer_send(p, out, fr_icmp_echo(out, &ad, &e, ip->l4 + FR_ICMP_HDR,
	    dlen));
}

static void
on_reply(struct ping *pg, const struct fr_ip *ip, const struct fr_echo *e)
{
	long long sent;

	if (e->id != pg->id || e->seq == 0 || e->seq > pg->sent ||
	    pg->seen[e->seq - 1] ||
	    ip->l4len < FR_ICMP_HDR + sizeof(sent))
		return;
	memcpy(&sent, ip->l4 + FR_ICMP_HDR, sizeof(sent));
	pg->seen[e->seq - 1] = 1;
	pg->received++;
	printf("reply from %s: seq=%u time=%.1f ms\n", ipstr(ip->src),
	    e->seq, (double)(now_us() - sent) / 1000.0);
}

static void
on_ipv4(struct peer *p, const uint8_t *f, const struct fr_ip *ip)
{
	struct fr_echo e;

	if (ip->dst != p->ip || fr_echo_parse(ip, &e) == -1)
		return;
	if (e.type == ICMP_ECHO)
		answer_echo(p, f, ip, &e);
	else if (p->ping != NULL && ip->src == p->ping->dst)
		on_reply(p->ping, ip, &e);
}

static void
on_frame(struct peer *p, const uint8_t *f, size_t len)
{
	struct fr_arp a;
	struct fr_ip ip;

	if (len < ETHER_HDR)
		return;
	if (p->verbose)
		describe(f, len);
	/* Unknown unicast is flooded to us too; a host ignores it. */
	if (!mac_is_group(f) && memcmp(f, p->mac, MAC_LEN) != 0)
		return;
	if (fr_arp_parse(f, len, &a) == 0)
		on_arp(p, f, &a);
	else if (fr_ipv4_parse(f, len, &ip) == 0)
		on_ipv4(p, f, &ip);
}

static void
receive(struct peer *p)
{
	uint8_t f[FRAME_MAX + 1];
	ssize_t n;

	if ((n = recv(p->fd, f, sizeof(f), 0)) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		err(EX_UNAVAILABLE, "recv from %s", p->path);
	}
	if (n == 0)
		errx(EX_UNAVAILABLE, "%s: the switch closed the connection",
		    p->path);
	on_frame(p, f, (size_t)n);
}

/* Send what is due; return when the next thing falls due. */
static long long
ping_tick(struct peer *p, struct ping *pg, long long now)
{
	if (!pg->resolved) {
		if (now >= pg->next_arp) {
			send_arp(p, ARP_REQUEST, fr_bcast, pg->dst);
			pg->next_arp = now + ARP_GAP_MS;
		}
		return (pg->next_arp);
	}
	if (pg->sent == pg->count)
		return (NEVER);
	if (now >= pg->next_echo) {
		send_echo(p, pg);
		pg->next_echo = now + ECHO_GAP_MS;
	}
	return (pg->sent < pg->count ? pg->next_echo : NEVER);
}

static long long
earliest(long long a, long long b)
{
	if (a == NEVER)
		return (b);
	if (b == NEVER)
		return (a);
	return (a < b ? a : b);
}

static int
wait_frame(struct peer *p, long long until, const sigset_t *mask)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	long long left;
	int rc;

	if (until != NEVER) {
		left = until - now_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		tsp = &ts;
	}
	if ((rc = ppoll(&pfd, 1, tsp, mask)) == -1 && errno != EINTR)
		err(EX_OSERR, "ppoll");
	return (rc == 1);
}

/* Serve until the deadline or a signal; a ping also ends when done. */
static int
run(struct peer *p, long long deadline, const sigset_t *mask)
{
	struct ping *pg = p->ping;
	long long now, next;

	while (!quit) {
		now = now_ms();
		if (deadline != NEVER && now >= deadline)
			break;
		next = pg != NULL ? ping_tick(p, pg, now) : NEVER;
		if (wait_frame(p, earliest(next, deadline), mask))
			receive(p);
		if (pg != NULL && pg->received == pg->count)
			return (0);
	}
	return (pg != NULL ? 1 : 0);
}

static void
join(struct peer *p)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(p->path) >= sizeof(sun.sun_path))
		errx(EX_USAGE, "%s: socket path too long", p->path);
	memcpy(sun.sun_path, p->path, strlen(p->path));
	if ((p->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) ==
	    -1)
		err(EX_OSERR, "socket");
	if (connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(EX_UNAVAILABLE, "connect %s", p->path);
	/* A gratuitous ARP, so the switch and the hosts learn us now. */
	send_arp(p, ARP_REQUEST, fr_bcast, p->ip);
}

static void
catch_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");
	/* Blocked but while in ppoll(), so no signal slips in unseen. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, old) == -1)
		err(EX_OSERR, "sigprocmask");
}

static struct ping *
ping_new(in_addr_t dst, int count)
{
	struct ping *pg;

	if ((pg = calloc(1, sizeof(*pg))) == NULL ||
	    (pg->seen = calloc((size_t)count, 1)) == NULL)
		err(EX_OSERR, "calloc");
	pg->dst = dst;
	pg->count = count;
	pg->id = (uint16_t)getpid();
	return (pg);
}

int
main(int argc, char *argv[])
{
	struct peer p = { .fd = -1 };
	const char *errstr, *mac = NULL, *ip = NULL, *dst = NULL;
	long long secs = 0, count = 0, deadline;
	sigset_t mask;
	int ch, rc;

	while ((ch = getopt(argc, argv, "a:c:m:P:p:t:v")) != -1) {
		switch (ch) {
		case 'a':
			ip = optarg;
			break;
		case 'c':
			count = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "count %s: %s", optarg, errstr);
			break;
		case 'm':
			mac = optarg;
			break;
		case 'P':
			dst = optarg;
			break;
		case 'p':
			p.path = optarg;
			break;
		case 't':
			secs = strtonum(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "seconds %s: %s", optarg,
				    errstr);
			break;
		case 'v':
			p.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || p.path == NULL || mac == NULL || ip == NULL ||
	    (count != 0 && dst == NULL))
		usage();
	if (mac_parse(mac, p.mac) == -1 || mac_is_group(p.mac))
		errx(EX_USAGE, "%s: not a unicast MAC address", mac);
	p.ip = parse_ip(ip);
	if (dst != NULL)
		p.ping = ping_new(parse_ip(dst), count != 0 ? (int)count : 3);

	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signals(&mask);
	join(&p);
	if (secs != 0)
		deadline = now_ms() + secs * 1000;
	else if (p.ping != NULL)
		deadline = now_ms() + p.ping->count * ECHO_GAP_MS + GRACE_MS;
	else
		deadline = NEVER;
	rc = run(&p, deadline, &mask);
	if (p.ping != NULL) {
		free(p.ping->seen);
		free(p.ping);
	}
	return (rc);
}
