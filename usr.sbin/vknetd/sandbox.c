/*
 * The confinement of the switch process (the "worker", privsep.c):
 * what it may still do once it parses frames from guests.
 *
 * sandbox_prepare() runs in the privileged parent at start-up, before
 * anything is created, so that a missing user or a bad directory
 * stops vknetd with nothing to undo: it looks up the user VKNETD_USER
 * and makes sure of the chroot directory VKNETD_EMPTY (created 0755
 * when missing; refused if it is not a directory owned by root that
 * nobody else may write, or not empty).  sandbox_enter() runs in each
 * worker once it holds every descriptor it will ever need, in this
 * order, each step fatal if it fails:
 *
 *   chroot(VKNETD_EMPTY), so no path the worker names reaches a file;
 *   setgroups() to none, setresgid() and setresuid() to the user, so
 *	all capabilities go (checked: none may be left, effective,
 *	permitted, inheritable or ambient) and no root-owned file or
 *	process is the worker's to touch; the change of user clears the
 *	signal that kills the worker with its parent, so it is set again;
 *   PR_SET_NO_NEW_PRIVS, so nothing it could run would gain any;
 *   a seccomp filter (libseccomp) that lets through exactly the system
 *	calls of the switch's loop and kills the process on any other.
 *
 * The allowlist was found with strace -f -c on a worker under traffic
 * from SEQPACKET and stream clients and the TAP, with a monitor and
 * "vknetd -s" attached, SIGUSR1 and a graceful stop: reading and
 * writing frames (read, write, recvmmsg, sendmmsg, recvfrom, sendto,
 * sendmsg, recvmsg, ioctl SIOCINQ and SIOCOUTQ only), accepting
 * clients (accept4, getsockopt SO_PEERCRED only, setsockopt SO_SNDBUF
 * only, for a monitor's buffer),
 * telling the parent (sendmsg with SCM_RIGHTS), waiting (epoll_pwait,
 * epoll_ctl, poll), time, memory for the stats table (brk, mmap,
 * mremap, munmap, madvise, mprotect: never with PROT_EXEC), a peer's
 * name (openat with exactly O_RDONLY | O_CLOEXEC, relative to the /proc
 * descriptor of peer.c: there is nothing else to open), syslog(3)
 * (getpid and sendto; socket and connect, which it tries again after
 * syslogd restarted, fail with EACCES instead: in the chroot there is
 * no /dev/log, and an abstract socket must stay out of reach), signals
 * (rt_sigreturn, rt_sigprocmask, and tgkill to itself, so that abort(3)
 * still tells what happened) and the way out.
 *
 * A build with sanitizers (SANITIZE=1) gets no chroot, user or filter:
 * AddressSanitizer needs /proc, its report files and ptrace(2) for
 * LeakSanitizer, all of which confinement takes away.  It says so at
 * start-up, and the tests of the confinement run against normal builds.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/sockios.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOXED	0
#else
#define SANDBOXED	1
#endif

static uid_t	uid;
static gid_t	gid;

/* Empty but for "." and "..", or -1 with errno set. */
static int
empty_dir(const char *path)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return (n == 0 ? 0 : (errno = ENOTEMPTY, -1));
}

void
sandbox_prepare(void)
{
	struct passwd *pw;
	struct stat sb;

	if (!SANDBOXED) {
		log_warnx("built with sanitizers: the switch runs unconfined");
		return;
	}
	if ((pw = getpwnam(VKNETD_USER)) == NULL)
		fatalx("user \"%s\" does not exist (useradd --system "
		    "--no-create-home --home-dir /nonexistent --shell "
		    "/usr/sbin/nologin %s)", VKNETD_USER, VKNETD_USER);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		fatalx("user \"%s\" is root's uid or gid: not a user to "
		    "drop privileges to", VKNETD_USER);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (mkdir(VKNETD_EMPTY, 0755) == -1 && errno != EEXIST)
		fatal("%s", VKNETD_EMPTY);
	if (lstat(VKNETD_EMPTY, &sb) == -1)
		fatal("%s", VKNETD_EMPTY);
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("%s: not a directory of root's that only root may "
		    "write, so no chroot for the switch", VKNETD_EMPTY);
	if (empty_dir(VKNETD_EMPTY) == -1)
		fatal("%s: no chroot for the switch", VKNETD_EMPTY);
}

static void
drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("PR_CAP_AMBIENT");
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	for (i = 0; i < 2; i++)
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0)
			fatalx("capabilities left after dropping them");
}

static void
allow(scmp_filter_ctx ctx, int nr, unsigned int argc,
    const struct scmp_arg_cmp *argv)
{
	if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc, argv) != 0)
		fatalx("seccomp: cannot allow system call %d", nr);
}

static void
load_filter(void)
{
	static const int plain[] = {
		SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev),
		SCMP_SYS(close), SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),
		SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
		SCMP_SYS(sendmsg), SCMP_SYS(accept4), SCMP_SYS(epoll_pwait),
		SCMP_SYS(epoll_ctl), SCMP_SYS(poll),
		SCMP_SYS(ppoll), SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday), SCMP_SYS(brk), SCMP_SYS(munmap),
		SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(getpid),
		SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(restart_syscall), SCMP_SYS(exit),
		SCMP_SYS(exit_group)
	};
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	struct scmp_arg_cmp a, so[2] = { SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET) };
	scmp_filter_ctx ctx;
	size_t i;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		allow(ctx, plain[i], 0, NULL);
	allow(ctx, SCMP_SYS(mmap), 1, &noexec);
	allow(ctx, SCMP_SYS(mprotect), 1, &noexec);
	a = SCMP_A1(SCMP_CMP_EQ, SIOCINQ);
	allow(ctx, SCMP_SYS(ioctl), 1, &a);
	a = SCMP_A1(SCMP_CMP_EQ, SIOCOUTQ);
	allow(ctx, SCMP_SYS(ioctl), 1, &a);
	so[1] = SCMP_A2(SCMP_CMP_EQ, SO_PEERCRED);
	allow(ctx, SCMP_SYS(getsockopt), 2, so);
	so[1] = SCMP_A2(SCMP_CMP_EQ, SO_SNDBUF);
	allow(ctx, SCMP_SYS(setsockopt), 2, so);
	a = SCMP_A2(SCMP_CMP_EQ, PEER_OPEN_FLAGS);
	allow(ctx, SCMP_SYS(openat), 1, &a);
	a = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	allow(ctx, SCMP_SYS(tgkill), 1, &a);
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    0) != 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(connect), 0) != 0)
		fatalx("seccomp: cannot refuse socket and connect");
	if (seccomp_load(ctx) != 0)
		fatalx("seccomp: cannot load the filter");
	seccomp_release(ctx);
}

void
sandbox_enter(pid_t parent)
{
	if (!SANDBOXED)
		return;
	/*
	 * Local time (syslog(3), the stats' dates) is read from the zone
	 * file while there is one.  Without TZ, glibc's localtime(3) would
	 * stat(2) it on every call to see whether it changed: name it, and
	 * it is read once.
	 */
	if (getenv("TZ") == NULL && setenv("TZ", ":/etc/localtime", 1) == -1)
		fatal("TZ");
	tzset();
	if (chroot(VKNETD_EMPTY) == -1 || chdir("/") == -1)
		fatal("chroot %s", VKNETD_EMPTY);
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("dropping privileges to %s", VKNETD_USER);
	if (setuid(0) != -1)
		fatalx("could become root again after dropping privileges");
	/* A change of user clears it: see prctl(2). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() != parent)
		_exit(1);
	drop_capabilities();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	load_filter();
}
