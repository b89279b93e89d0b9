/*
 * Integration tests of what vknetd tells its operator: the log lines
 * (read from the standard error of the real daemon, started with -d
 * by vkt_daemon() in a network namespace of the test's own), its exit
 * when the TAP goes away, and the pcapng capture of "vknetd -c -w",
 * read by the real tshark(1) and tcpdump(8).
 *
 * vkt_daemon() makes sure the daemon accepts connections by making
 * one, so the first port lines in every log are of that connection:
 * the lines a test waits for name the pid they are about.  A client
 * made in a child of the test (guest()) is not one vkt_sync() knows
 * of, so tests that have one wait for its log lines instead.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"

#define CTL_SOCK	VKT_SOCK ".ctl"
#define STREAM_SOCK	"./vknet.stream"
#define BRIDGE		"vkbr0"
#define GUEST_NAME	"guest7"
#define GUEST_UID	65534
#define GUEST_FRAMES	3
#define LIMIT_BURST	500		/* source MACs per burst */
#define LIMIT_WAIT_MS	11000		/* a log interval of 10 s has passed */
#define TOOL_MS		30000		/* for tshark to start and read */

enum { A = 1, B, C, FROM_TAP = 9 };	/* clients' MACs are vkt_mac(n) */

static int
count(const char *text, const char *piece)
{
	int n = 0;

	for (; (text = strstr(text, piece)) != NULL; text++)
		n++;
	return (n);
}

/* The last line of text, without its newline. */
static const char *
last_line(const char *text)
{
	static char buf[512];
	size_t len = strlen(text);
	const char *p;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	for (p = text + len; p > text && p[-1] != '\n'; p--)
		;
	snprintf(buf, sizeof(buf), "%.*s", (int)(text + len - p), p);
	return (buf);
}

/* The line of the daemon's log that holds piece, or fail. */
static const char *
log_line(pid_t pid, const char *piece)
{
	static char buf[512];
	struct vkt_run r;
	const char *p;

	vkt_output(pid, &r);
	if ((p = strstr(r.err, piece)) == NULL)
		atf_tc_fail("vknetd did not log \"%s\": %s", piece,
		    vkt_flat(r.err));
	while (p > r.err && p[-1] != '\n')
		p--;
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "\n"), p);
	return (buf);
}

/* What the kernel calls this test program, as the daemon will. */
static const char *
my_name(void)
{
	static char name[32];
	FILE *fp;

	if ((fp = fopen("/proc/self/comm", "re")) == NULL ||
	    fgets(name, sizeof(name), fp) == NULL)
		atf_tc_fail("/proc/self/comm: %s", strerror(errno));
	fclose(fp);
	name[strcspn(name, "\n")] = '\0';
	return (name);
}

static void
send_from(int fd, unsigned int src, const uint8_t *dst)
{
	uint8_t f[VKT_BUFSZ];
	size_t len;

	vkt_send_tagged(fd, dst, src, src, f, &len);
}

/*
 * A guest of its own: a child process named GUEST_NAME, of user
 * GUEST_UID (in group vknet, as the socket asks), that connects, sends
 * GUEST_FRAMES broadcasts, says so on the pipe it returns and stays
 * until that pipe is closed.  It leaves when the test does, whatever
 * the test's end.
 */
static int
guest(pid_t *pid)
{
	uint8_t f[64], mac[MAC_LEN];
	int ready[2], hold[2], fd, i;
	struct group *gr;
	size_t len;
	char c;

	if ((gr = getgrnam("vknet")) == NULL)
		atf_tc_fail("no group vknet");
	if (pipe(ready) == -1 || pipe(hold) == -1)
		atf_tc_fail("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((*pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (*pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (prctl(PR_SET_NAME, GUEST_NAME) == -1 ||
		    setgroups(0, NULL) == -1 || setgid(gr->gr_gid) == -1 ||
		    setuid(GUEST_UID) == -1)
			_exit(126);
		if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&(struct sockaddr_un){
		    .sun_family = AF_UNIX, .sun_path = VKT_SOCK },
		    sizeof(struct sockaddr_un)) == -1)
			_exit(1);
		vkt_mac(mac, C);
		for (i = 0; i < GUEST_FRAMES; i++) {
			len = vkt_frame(f, fr_bcast, mac, (uint32_t)i);
			if (send(fd, f, len, 0) != (ssize_t)len)
				_exit(1);
		}
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		(void)read(hold[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1)
		atf_tc_fail("the guest could not connect and send");
	close(ready[0]);
	return (hold[1]);
}

VKT_TC(connects_not_logged,
    "Each port's connect and disconnect are logged at info with its "
    "kind, pid, uid and process name, and at disconnect its frames")
{
	char client[128], want[160];
	const char *line;
	int hold, fd;
	pid_t pid, gpid;

	vkt_setup();
	pid = vkt_daemon("-U", "-q", STREAM_SOCK, NULL);
	vkt_sync();
	hold = guest(&gpid);
	snprintf(client, sizeof(client), "port 1 (client, pid %d, uid %d, "
	    GUEST_NAME ")", (int)gpid, GUEST_UID);
	snprintf(want, sizeof(want), "%s connected\n", client);
	vkt_await(pid, STDERR_FILENO, want, NULL);
	fd = vkt_connect_stream(STREAM_SOCK);
	snprintf(want, sizeof(want), "port 2 (stream, pid %d, uid 0, %s) "
	    "connected\n", (int)getpid(), my_name());
	vkt_await(pid, STDERR_FILENO, want, NULL);

	close(hold);
	ATF_REQUIRE_EQ(waitpid(gpid, NULL, 0), gpid);
	snprintf(want, sizeof(want), "%s disconnected after ", client);
	vkt_await(pid, STDERR_FILENO, want, NULL);
	line = log_line(pid, want);
	ATF_REQUIRE_MSG(strstr(line, " s: 3 frames in, 0 out, 0 dropped") !=
	    NULL, "%s", line);
	ATF_REQUIRE_MSG(strncmp(line, "vknetd: ", 8) == 0, "%s", line);
	close(fd);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

static void
exits_logging(int sig, const char *line)
{
	struct vkt_run r;
	pid_t pid;

	pid = vkt_daemon(VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_kill(pid, sig), 0);
	vkt_output(pid, &r);
	ATF_REQUIRE_STREQ_MSG(last_line(r.err), line, "%s", vkt_flat(r.err));
}

VKT_TC(exit_signal_unnamed,
    "The last line logged names the signal the daemon exits on")
{
	vkt_setup();
	exits_logging(SIGTERM, "vknetd: exiting on SIGTERM");
	exits_logging(SIGINT, "vknetd: exiting on SIGINT");
}

VKT_TC(mac_limit_flood_rate_limited,
    "1000 source MACs past -M 2 make two log lines ten seconds apart, "
    "the second with the count of the lines suppressed")
{
	struct vkt_run r;
	char want[128];
	const char *p;
	pid_t pid;
	int fd, i;

	vkt_setup();
	pid = vkt_daemon("-U", "-M", "2", NULL);
	vkt_sync();
	fd = vkt_client();
	for (i = 1; i <= LIMIT_BURST; i++)
		send_from(fd, (unsigned int)i, fr_bcast);
	vkt_await(pid, STDERR_FILENO, "MAC limit of 2 reached: frames from "
	    "02:00:00:00:00:03 dropped\n", NULL);
	vkt_nap(LIMIT_WAIT_MS);
	for (; i <= 2 * LIMIT_BURST; i++)
		send_from(fd, (unsigned int)i, fr_bcast);
	snprintf(want, sizeof(want), "%d frames in, 0 out, %d dropped",
	    2 * LIMIT_BURST, 2 * LIMIT_BURST - 2);
	vkt_await(pid, STDERR_FILENO, "dropped (497 more suppressed)\n",
	    NULL);
	/* Every frame read before the end, so the last line counts them. */
	for (i = 0; i < 200 && vkt_port_stat(VKT_SOCK, "1", "FRAMES-IN") <
	    2 * LIMIT_BURST; i++)
		vkt_nap(10);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_output(pid, &r);
	ATF_REQUIRE_EQ_MSG(count(r.err, "MAC limit of 2 reached"), 2, "%s",
	    vkt_flat(r.err));
	p = strstr(r.err, "frames from 02:00:00:00:01:f5 dropped (497 more "
	    "suppressed)");
	ATF_REQUIRE_MSG(p != NULL, "second line: %s", vkt_flat(r.err));
	ATF_REQUIRE_MSG(strstr(r.err, want) != NULL, "no \"%s\": %s", want,
	    vkt_flat(r.err));
}

VKT_TC(mac_move_logged,
    "A MAC address that comes in on another port is logged as moved, "
    "with the port it moved to")
{
	char want[128];
	pid_t pid;
	int a, b;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	vkt_sync();
	a = vkt_client();
	b = vkt_client();
	send_from(a, A, fr_bcast);
	send_from(b, A, fr_bcast);
	snprintf(want, sizeof(want), "MAC 02:00:00:00:00:01 moved to port 2 "
	    "(client, pid %d, uid 0, %s)\n", (int)getpid(), my_name());
	vkt_await(pid, STDERR_FILENO, want, NULL);
	vkt_close(a);
	vkt_close(b);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(stall_logged,
    "A client that takes nothing is logged as stalled, with who it is")
{
	uint8_t a_mac[MAC_LEN];
	char want[160];
	struct vkt_run r;
	long long end;
	pid_t pid;
	int a, b, i;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	vkt_sync();
	a = vkt_client();
	b = vkt_client();
	send_from(a, A, fr_bcast);
	vkt_mac(a_mac, A);
	snprintf(want, sizeof(want), "port 1 (client, pid %d, uid 0, %s) "
	    "took nothing for 100 ms: stalled, dropping frames for it until "
	    "it reads\n", (int)getpid(), my_name());
	/*
	 * A reads none.  B's sends wait while A holds it back, until A is
	 * declared stalled and lets it go.
	 */
	for (end = clock_ms() + VKT_WAIT_MS; clock_ms() < end; ) {
		for (i = 0; i < 64; i++)
			send_from(b, B, a_mac);
		vkt_output(pid, &r);
		if (strstr(r.err, want) != NULL)
			break;
	}
	vkt_await(pid, STDERR_FILENO, want, NULL);
	vkt_close(a);
	vkt_close(b);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(deleted_tap_left_daemon_running,
    "When its TAP is deleted, vknetd tears down (sockets, pidfile, the "
    "bridge it made) and exits 1, saying why")
{
	struct vkt_run r;
	uint8_t buf[VKT_BUFSZ];
	char want[128];
	ssize_t n;
	pid_t pid;
	int fd, status;

	vkt_setup();
	pid = vkt_daemon("-b", BRIDGE, "-q", STREAM_SOCK, VKT_NET, NULL);
	vkt_sync();
	fd = vkt_client();
	vkt_run(&r, NULL, "ip", "link", "del", vkt_tap, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip link del: %s", r.err);
	status = vkt_wait(pid, VKT_RUN_MS);
	vkt_output(pid, &r);
	ATF_REQUIRE_EQ_MSG(status, 1, "vknetd exited %d: %s", status,
	    vkt_flat(r.err));
	snprintf(want, sizeof(want), "vknetd: TAP %s has gone: exiting",
	    vkt_tap);
	ATF_REQUIRE_STREQ_MSG(last_line(r.err), want, "%s", vkt_flat(r.err));
	ATF_REQUIRE_MSG(!vkt_exists(VKT_SOCK), "socket left behind");
	ATF_REQUIRE_MSG(!vkt_exists(CTL_SOCK), "control socket left behind");
	ATF_REQUIRE_MSG(!vkt_exists(STREAM_SOCK), "stream socket left behind");
	ATF_REQUIRE_MSG(!vkt_exists(VKT_PIDFILE), "pidfile left behind");
	ATF_REQUIRE_MSG(!vkt_if_exists(BRIDGE), "bridge left behind");
	/* Frames the host sent before may still be queued ahead of the end. */
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	ATF_REQUIRE_EQ_MSG(n, 0, "the client was not disconnected: %s",
	    n == -1 ? strerror(errno) : "");
}

/*
 * pcapng.
 */
/* Run a tool that may take long to start, to completion. */
static void
run_tool(struct vkt_run *r, const char *cmd)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t pid;

	pid = vkt_spawn(NULL, argv);
	if ((r->status = vkt_wait(pid, TOOL_MS)) == -1) {
		(void)vkt_kill(pid, SIGKILL);
		atf_tc_fail("%s did not finish within %d ms", cmd, TOOL_MS);
	}
	vkt_output(pid, r);
}

/* Wait until a file holds some bytes, however binary the rest. */
static void
await_bytes(const char *path, const char *text)
{
	long long end = clock_ms() + VKT_WAIT_MS;
	char buf[VKT_BUFSZ];
	size_t n;
	FILE *fp;

	for (;;) {
		n = 0;
		if ((fp = fopen(path, "re")) != NULL) {
			n = fread(buf, 1, sizeof(buf), fp);
			fclose(fp);
		}
		if (memmem(buf, n, text, strlen(text)) != NULL)
			return;
		if (clock_ms() >= end)
			atf_tc_fail("no \"%s\" in %s within %d ms", text, path,
			    VKT_WAIT_MS);
		vkt_nap(10);
	}
}

ATF_TC(pcapng_interface_per_port);
ATF_TC_HEAD(pcapng_interface_per_port, tc)
{
	atf_tc_set_md_var(tc, "descr", "-w file.pcapng puts each frame on "
	    "the interface of its ingress port, with its fate as the "
	    "comment, and tshark and tcpdump read it");
	atf_tc_set_md_var(tc, "require.progs", "tshark tcpdump");
	atf_tc_set_md_var(tc, "timeout", "90");
}

ATF_TC_BODY(pcapng_interface_per_port, tc)
{
	static const char want[] =
	    "0\tport1\tflooded to 2 ports\n"
	    "1\tport2\tforwarded to port 1\n"
	    "2\tport0\tforwarded to port 1\n"
	    "0\tport1\tdropped: bad size\n";
	uint8_t f[VKT_BUFSZ], a_mac[MAC_LEN], magic[4] = { 0 };
	struct vkt_run r;
	size_t len;
	pid_t pid, mon;
	int a, b, tap;
	FILE *fp;
	const char *argv[] = { VKNETD_PATH, "-c", "-p", VKT_SOCK, "-w",
	    "cap.pcapng", NULL };

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	vkt_sync();
	a = vkt_client();
	b = vkt_client();
	tap = vkt_observer();
	mon = vkt_spawn(NULL, argv);
	vkt_await(mon, STDERR_FILENO, "monitoring ", NULL);

	vkt_mac(a_mac, A);
	vkt_send_tagged(a, fr_bcast, A, 1, f, &len);
	vkt_expect(b, "A's broadcast at B", f, len);
	vkt_send_tagged(b, a_mac, B, 2, f, &len);
	vkt_expect(a, "B's frame at A", f, len);
	vkt_send_tagged(tap, a_mac, FROM_TAP, 3, f, &len);
	vkt_expect(a, "the host's frame at A", f, len);
	vkt_send(a, f, 10);
	await_bytes("cap.pcapng", "dropped: bad size");
	ATF_REQUIRE_EQ(vkt_kill(mon, SIGINT), 0);

	if ((fp = fopen("cap.pcapng", "re")) == NULL ||
	    fread(magic, 1, sizeof(magic), fp) != sizeof(magic))
		atf_tc_fail("cap.pcapng: %s", strerror(errno));
	fclose(fp);
	ATF_REQUIRE_MSG(memcmp(magic, "\n\r\r\n", 4) == 0,
	    "cap.pcapng does not begin with a Section Header Block");
	run_tool(&r, "exec tshark -r cap.pcapng -T fields "
	    "-e frame.interface_id -e frame.interface_name -e frame.comment");
	ATF_REQUIRE_EQ_MSG(r.status, 0, "tshark -r: %s", r.err);
	ATF_REQUIRE_STREQ_MSG(r.out, want, "tshark read %s", vkt_flat(r.out));
	run_tool(&r, "exec tcpdump -r cap.pcapng -nn -e");
	ATF_REQUIRE_EQ_MSG(r.status, 0, "tcpdump -r: %s", r.err);
	/* A frame is a line; what follows it in hex, lines with a tab. */
	ATF_REQUIRE_EQ_MSG(count(r.out, "\n") - count(r.out, "\n\t"), 4,
	    "tcpdump read %s", vkt_flat(r.out));
	ATF_REQUIRE_MSG(strstr(r.out, "02:00:00:00:00:09 > 02:00:00:00:00:01")
	    != NULL, "tcpdump read %s", vkt_flat(r.out));
	vkt_close(a);
	vkt_close(b);
	close(tap);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, connects_not_logged);
	ATF_TP_ADD_TC(tp, exit_signal_unnamed);
	ATF_TP_ADD_TC(tp, mac_limit_flood_rate_limited);
	ATF_TP_ADD_TC(tp, mac_move_logged);
	ATF_TP_ADD_TC(tp, stall_logged);
	ATF_TP_ADD_TC(tp, deleted_tap_left_daemon_running);
	ATF_TP_ADD_TC(tp, pcapng_interface_per_port);
	return (atf_no_error());
}
