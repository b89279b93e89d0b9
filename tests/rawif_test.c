/*
 * vknet carrying a real interface ("raw:ifname"), end to end over a
 * real sshd, in namespaces the test makes:
 *
 *	A (the test's)  vka 203.0.113.1 ===veth=== vkb 203.0.113.2  B
 *	a vknetd, a.sock                     sshd, a vknetd, b.sock
 *	                                     lanb ===veth=== lanl  L
 *
 * L stands for a LAN behind B.  "vknet a.sock vkb:raw:lanb" puts that
 * LAN on A's switch.  With raw:vkb or raw:vka instead, the raw
 * interface carries the ssh connection itself, and only the exclusion
 * keeps the link from carrying its own packets.
 *
 * exclusion_rules needs no ssh: vknet -S on raw:lo with a FIFO for
 * stdin and a file for stdout, the link, which must hold no frame of
 * an excluded connection.  The ssh setup is that of vknet_test.c, cut
 * down to what this needs.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"

#define SSHD		"/usr/sbin/sshd"
#define IP_A		"203.0.113.1"
#define IP_B		"203.0.113.2"
#define SUN_MAX		100
#define BUSY		2000	/* frames sent while counting */

struct hosts {
	int	nsa, nsb, nsl;
	char	dir[PATH_MAX];
	char	sock_a[SUN_MAX];
	char	sock_b[SUN_MAX];
	char	ssh_config[SUN_MAX];
};

static struct hosts h;

static void __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((rc = system(cmd)) != 0)
		atf_tc_fail("%s: status %d", cmd, rc);
}

static void __attribute__((format(printf, 2, 3)))
put_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

static void
enter(int ns)
{
	if (setns(ns, CLONE_NEWNET) == -1)
		atf_tc_fail("setns: %s", strerror(errno));
}

static int
new_ns(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) == -1)
		atf_tc_fail("unshare(CLONE_NEWNET): %s", strerror(errno));
	if ((fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		atf_tc_fail("/proc/self/ns/net: %s", strerror(errno));
	return (fd);
}

/* A, B and L as above, sshd in B, a vknetd on each of A and B. */
static void
hosts_up(void)
{
	char cfg[SUN_MAX], path[SUN_MAX + 8];

	if (access(SSHD, X_OK) == -1 || access("/usr/bin/ssh", X_OK) == -1)
		atf_tc_skip("needs OpenSSH (tools/depends.sh check)");
	vkt_setup();
	if (getcwd(h.dir, sizeof(h.dir)) == NULL)
		atf_tc_fail("getcwd: %s", strerror(errno));
	vkt_abspath(h.sock_a, sizeof(h.sock_a), "a.sock");
	vkt_abspath(h.sock_b, sizeof(h.sock_b), "b.sock");
	h.nsa = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	h.nsl = new_ns();
	sh("ip link set lo up");
	h.nsb = new_ns();
	sh("ip link set lo up && "
	    "ip link add vkb type veth peer name vka netns /proc/%d/fd/%d && "
	    "ip link add lanb type veth peer name lanl netns /proc/%d/fd/%d "
	    "&& ip addr add %s/24 dev vkb && ip link set vkb up && "
	    "ip link set lanb up", (int)getpid(), h.nsa, (int)getpid(),
	    h.nsl, IP_B);
	enter(h.nsl);
	sh("ip link set lanl up");
	enter(h.nsa);
	sh("ip addr add %s/24 dev vka && ip link set vka up", IP_A);

	sh("ssh-keygen -q -t ed25519 -N '' -f hostkey && "
	    "ssh-keygen -q -t ed25519 -N '' -f userkey && "
	    "cp userkey.pub authorized_keys && mkdir bin && "
	    "ln -s %s bin/vknet", VKNET_PATH);
	put_file("sshd_config", "ListenAddress %s\nHostKey %s/hostkey\n"
	    "AuthorizedKeysFile %s/authorized_keys\nPidFile none\n"
	    "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\n"
	    "PermitRootLogin prohibit-password\n"
	    "SetEnv PATH=%s/bin:/usr/bin:/bin\nLogLevel ERROR\n", IP_B,
	    h.dir, h.dir, h.dir);
	vkt_abspath(h.ssh_config, sizeof(h.ssh_config), "ssh_config");
	put_file(h.ssh_config, "Host vkb\n\tHostName %s\n\tUser root\n"
	    "\tIdentityFile %s/userkey\n\tIdentitiesOnly yes\n"
	    "\tUserKnownHostsFile /dev/null\n"
	    "\tGlobalKnownHostsFile /dev/null\n"
	    "\tStrictHostKeyChecking no\n\tBatchMode yes\n"
	    "\tLogLevel ERROR\n", IP_B, h.dir);
	snprintf(path, sizeof(path), "ssh -F %s", h.ssh_config);
	if (setenv("VKNET_SSH", path, 1) == -1)
		atf_tc_fail("setenv: %s", strerror(errno));
	if (mkdir("/run/sshd", 0755) == -1 && errno != EEXIST)
		atf_tc_fail("/run/sshd: %s", strerror(errno));
	vkt_abspath(cfg, sizeof(cfg), "sshd_config");
	enter(h.nsb);
	vkt_spawn(NULL, (const char *[]){ SSHD, "-D", "-e", "-f", cfg,
	    NULL });
	/* The busy tests send to an unknown address: no storm control. */
	vkt_daemon("-U", "-L", "0", "-p", h.sock_b, "-i", "b.pid", NULL);
	enter(h.nsa);
	vkt_daemon("-U", "-L", "0", "-p", h.sock_a, "-i", "a.pid", NULL);
	vkt_wait_listening(IP_B, 22);
}

static pid_t
start_vknet(const char *local, const char *remote)
{
	char dest[SUN_MAX + 8];

	snprintf(dest, sizeof(dest), "vkb:%s", remote);
	return (vkt_spawn(NULL, (const char *[]){ VKNET_PATH, local, dest,
	    NULL }));
}

/*
 * The interface's promiscuity count, in the current namespace: a packet
 * socket's PACKET_MR_PROMISC raises it without showing in IFF_PROMISC.
 */
static int
promisc(const char *ifname)
{
	char cmd[128], line[4096], *p;
	FILE *fp;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ip -d link show dev %s", ifname);
	if ((fp = popen(cmd, "r")) == NULL)
		atf_tc_fail("%s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL)
		if ((p = strstr(line, "promiscuity ")) != NULL)
			n = atoi(p + 12);
	if (pclose(fp) != 0 || n == -1)
		atf_tc_fail("%s: no promiscuity", cmd);
	return (n);
}

static int
is_test(const uint8_t *f, ssize_t n)
{
	return (n >= 60 && f[12] == (VKT_EXPTYPE >> 8) &&
	    f[13] == (VKT_EXPTYPE & 0xff) && memcmp(f + 14, "vkt", 3) == 0);
}

static uint32_t
tag_of(const uint8_t *f)
{
	return ((uint32_t)f[17] << 24 | (uint32_t)f[18] << 16 |
	    (uint32_t)f[19] << 8 | f[20]);
}

static char last_ssh[128];	/* the last one seen, for messages */

/* A frame of the ssh connection: IPv4 TCP to or from port 22. */
static int
is_ssh(const uint8_t *f, ssize_t n)
{
	size_t ihl;

	if (n < 34 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return (0);
	ihl = (size_t)(f[14] & 0xf) * 4;
	if ((size_t)n < 14 + ihl + 4)
		return (0);
	snprintf(last_ssh, sizeof(last_ssh), "len %zd %02x:%02x>%02x:%02x "
	    "%u.%u.%u.%u:%u > %u.%u.%u.%u:%u", n, f[4], f[5], f[10], f[11],
	    f[26], f[27], f[28], f[29],
	    f[14 + ihl] << 8 | f[15 + ihl], f[30], f[31], f[32], f[33],
	    f[16 + ihl] << 8 | f[17 + ihl]);
	return ((f[14 + ihl] << 8 | f[15 + ihl]) == 22 ||
	    (f[16 + ihl] << 8 | f[17 + ihl]) == 22);
}

/* Send test frames on fd until one tagged `tag' shows up on `to'. */
static void
await_crossing(int from, int to, uint32_t tag, const char *what)
{
	static uint8_t got[VKT_BUFSZ];
	long long end = clock_ms() + VKT_RUN_MS * 2;
	uint8_t f[60], dst[MAC_LEN], src[MAC_LEN];
	ssize_t n;

	vkt_mac(dst, 1);
	vkt_mac(src, 2);
	vkt_frame(f, dst, src, tag);
	for (;;) {
		vkt_send(from, f, sizeof(f));
		while ((n = vkt_recv(to, got, 100)) > 0)
			if (is_test(got, n) && tag_of(got) == tag)
				return;
		if (clock_ms() > end)
			atf_tc_fail("%s: nothing crossed", what);
	}
}

/* Note what `to' has for us within ms: test frames once, ssh frames. */
static void
take(int to, int ms, uint32_t base, unsigned char *seen, int *n_seen,
    int *ssh_seen)
{
	static uint8_t got[VKT_BUFSZ];
	ssize_t n;
	uint32_t t;

	while ((n = vkt_recv(to, got, ms)) > 0) {
		if (is_ssh(got, n))
			(*ssh_seen)++;
		if (!is_test(got, n) || (t = tag_of(got)) < base ||
		    t >= base + BUSY)
			continue;
		if (seen[t - base]++)
			atf_tc_fail("frame %u arrived twice", t);
		(*n_seen)++;
	}
}

/*
 * Send BUSY frames tagged from base on `from'; count what arrives on
 * `to': each test frame once, nothing else of them, and no ssh frame.
 */
static void
busy_count(int from, int to, uint32_t base, int *ssh_seen)
{
	static unsigned char seen[BUSY];
	uint8_t f[60], dst[MAC_LEN], src[MAC_LEN];
	int i, n_seen = 0;

	memset(seen, 0, sizeof(seen));
	vkt_mac(dst, 1);
	vkt_mac(src, 2);
	for (i = 0; i < BUSY; i++) {
		vkt_frame(f, dst, src, base + (uint32_t)i);
		vkt_send(from, f, sizeof(f));
		if (i % 16 == 15)
			vkt_nap(1);
		take(to, 0, base, seen, &n_seen, ssh_seen);
	}
	take(to, VKT_NONE_MS, base, seen, &n_seen, ssh_seen);
	if (n_seen < BUSY * 9 / 10)
		atf_tc_fail("only %d of %d frames crossed", n_seen, BUSY);
}

/* ssh frames an observer of ifname in namespace ns saw, drained. */
static int
count_ssh(int fd)
{
	static uint8_t got[VKT_BUFSZ];
	ssize_t n;
	int c = 0;

	while ((n = vkt_recv(fd, got, 0)) > 0)
		c += is_ssh(got, n);
	return (c);
}

ATF_TC(lan_both_ways);
ATF_TC_HEAD(lan_both_ways, tc)
{
	atf_tc_set_md_var(tc, "descr", "vknet a.sock vkb:raw:lanb: frames "
	    "sent on B's LAN reach a client of A's switch, and frames that "
	    "client sends appear on the LAN, each exactly once; one larger "
	    "than the MTU is dropped and counted; promiscuous while it "
	    "runs, not after SIGTERM");
	atf_tc_set_md_var(tc, "timeout", "90");
}
ATF_TC_BODY(lan_both_ways, tc)
{
	static uint8_t giant[1500 + 14 + 1], got[VKT_BUFSZ];
	int client, lan, ssh_seen = 0;
	struct vkt_run r;
	long long end;
	pid_t vknet;
	ssize_t n;

	hosts_up();
	vknet = start_vknet(h.sock_a, "raw:lanb");
	client = vkt_connect(h.sock_a);
	enter(h.nsl);
	lan = vkt_observer_on("lanl");
	enter(h.nsa);
	await_crossing(lan, client, 1, "LAN to switch");
	await_crossing(client, lan, 2, "switch to LAN");
	busy_count(lan, client, 1000, &ssh_seen);
	busy_count(client, lan, 10000, &ssh_seen);
	ATF_REQUIRE_EQ_MSG(ssh_seen, 0, "%d ssh frames crossed, the last %s",
	    ssh_seen, last_ssh);
	/* Larger than lanb's MTU and header: dropped, counted. */
	memset(giant, 0, sizeof(giant));
	vkt_frame(giant, (const uint8_t[]){ 2, 0, 0, 0, 0, 1 },
	    (const uint8_t[]){ 2, 0, 0, 0, 0, 2 }, 99999);
	vkt_send(client, giant, sizeof(giant));
	await_crossing(client, lan, 3, "switch to LAN after a giant");
	while ((n = vkt_recv(lan, got, VKT_NONE_MS)) > 0)
		ATF_REQUIRE_MSG(n != (ssize_t)sizeof(giant), "a giant "
		    "reached the LAN");
	enter(h.nsb);
	ATF_REQUIRE_MSG(promisc("lanb"), "lanb not promiscuous");
	enter(h.nsa);
	/* Drops are reported every 10 s, through ssh's stderr. */
	for (end = clock_ms() + 15000;; vkt_nap(100)) {
		vkt_output(vknet, &r);
		if (strstr(r.err, " 1 refused by raw:lanb") != NULL)
			break;
		if (clock_ms() > end)
			atf_tc_fail("giant not counted: %s", vkt_flat(r.err));
	}
	ATF_REQUIRE_EQ(vkt_stop(vknet), 0);
	enter(h.nsb);
	for (int i = 0; promisc("lanb") && i < 100; i++)
		vkt_nap(20);
	ATF_REQUIRE_MSG(!promisc("lanb"), "lanb still promiscuous");
	enter(h.nsa);
}

ATF_TC(ssh_path_server);
ATF_TC_HEAD(ssh_path_server, tc)
{
	atf_tc_set_md_var(tc, "descr", "vknet a.sock vkb:raw:vkb, the "
	    "interface sshd's connection uses: while the link is busy vkb "
	    "carries ssh frames, and none of them reach A's switch");
	atf_tc_set_md_var(tc, "timeout", "90");
}
ATF_TC_BODY(ssh_path_server, tc)
{
	int client, obs, on_path, ssh_seen = 0;
	pid_t vknet;

	hosts_up();
	enter(h.nsb);
	obs = vkt_observer_on("vkb");
	enter(h.nsa);
	vknet = start_vknet(h.sock_a, "raw:vkb");
	client = vkt_connect(h.sock_a);
	/* What A's client sends leaves through vkb: it reaches vka. */
	{
		int a_side = vkt_observer_on("vka");

		int on_vka = 0;

		await_crossing(client, a_side, 1, "switch to vkb");
		(void)count_ssh(obs);
		/* ssh's frames are on vka of course; on A's switch, not. */
		busy_count(client, a_side, 1000, &on_vka);
		close(a_side);
	}
	/* And ping from A crosses vkb, so the raw side is reading. */
	sh("ping -q -c 20 -i 0.05 %s >/dev/null", IP_B);
	{
		static uint8_t got[VKT_BUFSZ];
		ssize_t n;

		while ((n = vkt_recv(client, got, VKT_NONE_MS)) > 0)
			ssh_seen += is_ssh(got, n);
	}
	on_path = count_ssh(obs);
	ATF_REQUIRE_MSG(on_path > 0, "vkb carried no ssh frames: the "
	    "test does not test the exclusion");
	ATF_REQUIRE_EQ_MSG(ssh_seen, 0, "%d ssh frames crossed (of %d on "
	    "vkb), the last %s", ssh_seen, on_path, last_ssh);
	ATF_REQUIRE_EQ(vkt_stop(vknet), 0);
	close(obs);
}

ATF_TC(ssh_path_client);
ATF_TC_HEAD(ssh_path_client, tc)
{
	atf_tc_set_md_var(tc, "descr", "vknet raw:vka vkb:b.sock, the "
	    "interface ssh's connection leaves by: ICMP from A reaches B's "
	    "switch, ssh's own frames do not; promiscuous while it runs, "
	    "not after SIGTERM or SIGKILL");
	atf_tc_set_md_var(tc, "timeout", "90");
}
ATF_TC_BODY(ssh_path_client, tc)
{
	static uint8_t got[VKT_BUFSZ];
	int client, obs, icmp = 0, ssh_seen = 0, on_path, sig, i;
	ssize_t n;
	pid_t vknet;

	hosts_up();
	ATF_REQUIRE(!promisc("vka"));
	for (sig = 0; sig < 2; sig++) {
		obs = vkt_observer_on("vka");
		vknet = start_vknet("raw:vka", h.sock_b);
		enter(h.nsb);
		client = vkt_connect(h.sock_b);
		enter(h.nsa);
		for (i = 0; i < 100 && icmp == 0; i++) {
			sh("ping -q -c 1 -W 1 %s >/dev/null", IP_B);
			while ((n = vkt_recv(client, got, 50)) > 0) {
				ssh_seen += is_ssh(got, n);
				icmp += n > 34 && got[12] == 8 &&
				    got[13] == 0 && got[23] == 1;
			}
		}
		ATF_REQUIRE_MSG(icmp > 0, "no ICMP crossed");
		sh("ping -q -c 50 -i 0.02 %s >/dev/null", IP_B);
		while ((n = vkt_recv(client, got, VKT_NONE_MS)) > 0)
			ssh_seen += is_ssh(got, n);
		on_path = count_ssh(obs);
		ATF_REQUIRE_MSG(on_path > 0, "vka carried no ssh frames");
		ATF_REQUIRE_EQ_MSG(ssh_seen, 0, "%d ssh frames crossed "
		    "(of %d on vka), the last %s", ssh_seen, on_path,
		    last_ssh);
		ATF_REQUIRE_MSG(promisc("vka"), "vka not promiscuous");
		if (sig == 0)
			ATF_REQUIRE_EQ(vkt_stop(vknet), 0);
		else
			(void)vkt_kill(vknet, SIGKILL);
		ATF_REQUIRE_MSG(!promisc("vka"), "vka still promiscuous "
		    "after %s", sig == 0 ? "SIGTERM" : "SIGKILL");
		vkt_close(client);
		close(obs);
		icmp = 0;
	}
}

static void
link_fifo(void)
{
	int fd;

	/* Read-write: the link never ends by itself; SIGTERM ends it. */
	if ((fd = open("link.in", O_RDWR)) == -1 || dup2(fd, 0) == -1)
		_exit(126);
}

/* A TCP connection from src:sport to dst:2222 with data both ways. */
static void
talk(int af, const char *src, int sport, const char *dst, int l)
{
	struct sockaddr_storage a, b;
	socklen_t len = af == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	char buf[1000];
	int c, s, on = 1;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ss_family = b.ss_family = (sa_family_t)af;
	if (af == AF_INET) {
		((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)sport);
		inet_pton(af, src, &((struct sockaddr_in *)&a)->sin_addr);
		((struct sockaddr_in *)&b)->sin_port = htons(2222);
		inet_pton(af, dst, &((struct sockaddr_in *)&b)->sin_addr);
	} else {
		((struct sockaddr_in6 *)&a)->sin6_port =
		    htons((uint16_t)sport);
		inet_pton(af, src, &((struct sockaddr_in6 *)&a)->sin6_addr);
		((struct sockaddr_in6 *)&b)->sin6_port = htons(2222);
		inet_pton(af, dst, &((struct sockaddr_in6 *)&b)->sin6_addr);
	}
	if ((c = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(c, (struct sockaddr *)&a, len) == -1 ||
	    connect(c, (struct sockaddr *)&b, len) == -1 ||
	    (s = accept(l, NULL, NULL)) == -1)
		atf_tc_fail("TCP %s port %d to %s: %s", src, sport, dst,
		    strerror(errno));
	memset(buf, 'x', sizeof(buf));
	if (write(c, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    read(s, buf, sizeof(buf)) <= 0 ||
	    write(s, buf, 100) != 100 || read(c, buf, sizeof(buf)) <= 0)
		atf_tc_fail("TCP %s port %d: %s", src, sport,
		    strerror(errno));
	close(c);
	close(s);
}

static int
listener(int af, const char *addr)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	int l, on = 1, rc;

	if ((l = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		atf_tc_fail("socket: %s", strerror(errno));
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(2222);
		inet_pton(af, addr, &sin.sin_addr);
		rc = bind(l, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(2222);
		inet_pton(af, addr, &sin6.sin6_addr);
		rc = bind(l, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	if (rc == -1 || listen(l, 8) == -1)
		atf_tc_fail("listen %s: %s", addr, strerror(errno));
	return (l);
}

/* Frames on the link of the connection from port to 2222, each way. */
static int
on_link(const uint8_t *d, size_t len, int port, int back)
{
	uint8_t key[4];
	size_t i;
	int n = 0;

	key[back ? 2 : 0] = (uint8_t)(port >> 8);
	key[back ? 3 : 1] = (uint8_t)port;
	key[back ? 0 : 2] = 2222 >> 8;
	key[back ? 1 : 3] = 2222 & 0xff;
	for (i = 0; i + 4 <= len; i++)
		n += memcmp(d + i, key, 4) == 0;
	return (n);
}

static int
both_ways(const uint8_t *d, size_t len, int port)
{
	return (on_link(d, len, port, 0) + on_link(d, len, port, 1));
}

ATF_TC(exclusion_rules);
ATF_TC_HEAD(exclusion_rules, tc)
{
	atf_tc_set_md_var(tc, "descr", "vknet -S raw:lo: the IPv6 "
	    "connection SSH_CONNECTION names, an IPv4 one given by -x and "
	    "all of a host given by -x stay off the link, both ways; "
	    "others on the same ports cross it");
}
ATF_TC_BODY(exclusion_rules, tc)
{
	static uint8_t d[1 << 20];
	struct vkt_run r;
	long long end;
	size_t len;
	pid_t vknet;
	int l4, l6, fd;
	ssize_t n;

	vkt_setup();
	if (mkfifo("link.in", 0600) == -1)
		atf_tc_fail("mkfifo: %s", strerror(errno));
	if (setenv("SSH_CONNECTION", "::1 40000 ::1 2222", 1) == -1)
		atf_tc_fail("setenv: %s", strerror(errno));
	l4 = listener(AF_INET, "0.0.0.0");
	l6 = listener(AF_INET6, "::1");
	vknet = vkt_spawn(link_fifo, (const char *[]){ VKNET_PATH, "-S",
	    "-x", "127.0.0.1 40002 127.0.0.1 2222", "-x", "127.0.0.2",
	    "raw:lo", NULL });
	for (end = clock_ms() + VKT_RUN_MS;; vkt_nap(20)) {
		vkt_output(vknet, &r);
		if (strstr(r.err, "excluding ::1 port 40000 and ::1 port "
		    "2222") != NULL)
			break;
		if (clock_ms() > end)
			atf_tc_fail("no exclusion: %s", vkt_flat(r.err));
	}
	talk(AF_INET6, "::1", 40000, "::1", l6);
	talk(AF_INET6, "::1", 40001, "::1", l6);
	talk(AF_INET, "127.0.0.1", 40002, "127.0.0.1", l4);
	talk(AF_INET, "127.0.0.1", 40003, "127.0.0.1", l4);
	talk(AF_INET, "127.0.0.2", 40004, "127.0.0.1", l4);
	vkt_nap(VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(vknet), 0);
	/* The first child's standard output: the link, as vknet wrote it. */
	if ((fd = open("proc.0.out", O_RDONLY)) == -1 ||
	    (n = read(fd, d, sizeof(d))) <= 0)
		atf_tc_fail("proc.0.out: %s", strerror(errno));
	close(fd);
	len = (size_t)n;
	/* Excluded, both ways: -S's own, -x's connection, -x's host. */
	ATF_CHECK_EQ(both_ways(d, len, 40000), 0);
	ATF_CHECK_EQ(both_ways(d, len, 40002), 0);
	ATF_CHECK_EQ(both_ways(d, len, 40004), 0);
	/* Carried, both ways: the same addresses, another port. */
	ATF_CHECK(on_link(d, len, 40001, 0) > 0 &&
	    on_link(d, len, 40001, 1) > 0);
	ATF_CHECK(on_link(d, len, 40003, 0) > 0 &&
	    on_link(d, len, 40003, 1) > 0);
	close(l4);
	close(l6);
}

static void
nobody(void)
{
	if (setgid(65534) == -1 || setuid(65534) == -1)
		_exit(126);
}

ATF_TC(not_root);
ATF_TC_HEAD(not_root, tc)
{
	atf_tc_set_md_var(tc, "descr", "without CAP_NET_RAW: one line "
	    "naming the spec, and nothing started");
}
ATF_TC_BODY(not_root, tc)
{
	struct vkt_run r;

	vkt_setup();
	vkt_run(&r, nobody, VKNET_PATH, "raw:lo", "host:/x", NULL);
	ATF_REQUIRE_EQ(r.status, 1);
	ATF_REQUIRE_STREQ(r.err, "vknet: raw:lo: Operation not permitted\n");
}

ATF_TC(bad_specs);
ATF_TC_HEAD(bad_specs, tc)
{
	atf_tc_set_md_var(tc, "descr", "raw: with no name, a too long "
	    "one, a bridge, or a bad -x are usage errors");
}
ATF_TC_BODY(bad_specs, tc)
{
	struct vkt_run r;

	vkt_run(&r, NULL, VKNET_PATH, "raw:", "host:/x", NULL);
	ATF_REQUIRE_EQ(r.status, 64);
	vkt_run(&r, NULL, VKNET_PATH, "raw:abcdefghijklmnopq", "host:/x",
	    NULL);
	ATF_REQUIRE_EQ(r.status, 64);
	vkt_run(&r, NULL, VKNET_PATH, "-b", "br0", "raw:lo", "host:/x", NULL);
	ATF_REQUIRE_EQ(r.status, 64);
	vkt_run(&r, NULL, VKNET_PATH, "-x", "nonsense", "raw:lo", "host:/x",
	    NULL);
	ATF_REQUIRE_EQ(r.status, 64);
	vkt_run(&r, NULL, VKNET_PATH, "-x", IP_A, "auto", "host:/x", NULL);
	ATF_REQUIRE_EQ(r.status, 64);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lan_both_ways);
	ATF_TP_ADD_TC(tp, ssh_path_server);
	ATF_TP_ADD_TC(tp, ssh_path_client);
	ATF_TP_ADD_TC(tp, exclusion_rules);
	ATF_TP_ADD_TC(tp, not_root);
	ATF_TP_ADD_TC(tp, bad_specs);

	return (atf_no_error());
}
