# The table of "make bench", from bench.sh's results: one line per
# measurement, "case who run key=value ...".  A figure is the median of
# its runs with (min-max); a ratio is taken run by run, then the same.
# A target is met by the median, or, where it says "every run", by the
# worst run.  Variables from bench.sh: runs secs win idle tcpsecs
# sshsecs stall vknet wall busy cpus.

{
	for (i = 4; i <= NF; i++) {
		split($i, kv, "=")
		v[$1, $2, $3, kv[1]] = kv[2]
	}
}

# Sort a[1..n] (few values: insertion sort) and set MED, MIN, MAX.
function summarize(a, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	if (n == 0) {
		MED = -1
		return 0
	}
	MIN = a[1]
	MAX = a[n]
	MED = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return n
}

function show(fmt) {
	return sprintf(fmt " (" fmt "-" fmt ")", MED, MIN, MAX)
}

# One figure: case c, who w, key k, times scale.
function fig(c, w, k, scale, fmt,    r, n, a) {
	n = 0
	for (r = 1; r <= runs; r++)
		if ((c, w, r, k) in v)
			a[++n] = v[c, w, r, k] * scale
	return summarize(a, n) ? show(fmt) : "n/a"
}

# Run-by-run ratio of two figures, key k of both or k over k2; leaves
# its median in MED.
function ratio(c1, w1, c2, w2, k, k2,    r, n, a) {
	if (k2 == "")
		k2 = k
	n = 0
	for (r = 1; r <= runs; r++)
		if ((c1, w1, r, k) in v && (c2, w2, r, k2) in v &&
		    v[c2, w2, r, k2] > 0)
			a[++n] = v[c1, w1, r, k] / v[c2, w2, r, k2]
	return summarize(a, n) ? show("%.2f") : "n/a"
}

# Run-by-run difference k2 - k1 of one case.
function growth(c, w, k1, k2,    r, n, a) {
	n = 0
	for (r = 1; r <= runs; r++)
		if ((c, w, r, k1) in v && v[c, w, r, k1] >= 0)
			a[++n] = v[c, w, r, k2] - v[c, w, r, k1]
	return summarize(a, n) ? show("%.0f") : "n/a"
}

function row(label, a, b, c) {
	printf "   %-32s %-21s %-21s %s\n", label, a, b, c
}

function head(title, a, b, c) {
	printf "\n%-35s %-21s %-21s %s\n", title, a, b, c
}

# The figure just computed against its target: op is ">=", "<=" or
# "<"; with every, the worst run must meet it.
function check(label, value, op, target, every,    x, ok) {
	x = !every ? MED : op == ">=" ? MIN : MAX
	if (value == "n/a")
		ok = "n/a"
	else if (op == ">=")
		ok = x >= target ? "PASS" : "MISS"
	else if (op == "<=")
		ok = x <= target ? "PASS" : "MISS"
	else
		ok = x < target ? "PASS" : "MISS"
	printf "   %-32s %-21s %-21s %s\n", label, value,
	    op " " target (every ? ", every run" : ""), ok
}

# A figure of a third column that a case may not have.
function fig3(c, w, k, scale, fmt) {
	return w == "" ? "" : fig(c, w, k, scale, fmt)
}

# Open loop: what the switch took from the sender, what it delivered,
# what it lost, and what vknetd counted as its own drops.
function open_loop(c, what, w3) {
	row(what "accepted kframes/s", fig(c, "vknetd", "accept", 1e-3,
	    "%.0f"), fig(c, "vde", "accept", 1e-3, "%.0f"),
	    fig3(c, w3, "accept", 1e-3, "%.0f"))
	row(what "delivered kframes/s", fig(c, "vknetd", "fps", 1e-3,
	    "%.0f"), fig(c, "vde", "fps", 1e-3, "%.0f"),
	    fig3(c, w3, "fps", 1e-3, "%.0f"))
	row(what "loss %", fig(c, "vknetd", "loss", 100, "%.2f"),
	    fig(c, "vde", "loss", 100, "%.2f"),
	    fig3(c, w3, "loss", 100, "%.2f"))
	sub("/.*", "", c)
	row(what "vknetd -s drops", fig(c "/drops", "vknetd", "drops", 1,
	    "%.0f"), "", "")
}

function kib(label, k) {
	row(label, fig("rss/rss", "vknetd", k, 1, "%.0f"),
	    fig("rss/rss", "vde", k, 1, "%.0f"), "")
}

function tcp(dir, name) {
	row(name " Mbit/s", fig("tcp-" dir "/tcp", "vknetd", "mbps", 1,
	    "%.0f"), fig("tcp-" dir "/tcp", "vde", "mbps", 1, "%.0f"), "")
	row(name " TCP retransmits", fig("tcp-" dir "/tcp", "vknetd", "retr",
	    1, "%.0f"), fig("tcp-" dir "/tcp", "vde", "retr", 1, "%.0f"), "")
	row(name " switch drops", fig("tcp-" dir "/tcp", "vknetd", "drops",
	    1, "%.0f"), "n/a (no counters)", "")
	row(name " switch CPU s/GB", fig("tcp-" dir "/tcp", "vknetd",
	    "cpugb", 1, "%.2f"), fig("tcp-" dir "/tcp", "vde", "cpugb", 1,
	    "%.2f"), "")
}

function tcp_checks(dir, name) {
	check(name " vknetd drops", fig("tcp-" dir "/tcp", "vknetd",
	    "drops", 1, "%.0f"), "<=", 0, 1)
	check(name " vknetd retransmits", fig("tcp-" dir "/tcp", "vknetd",
	    "retr", 1, "%.0f"), "<", 100, 1)
	check(name " vknetd/vde_switch Mbit/s", ratio("tcp-" dir "/tcp",
	    "vknetd", "tcp-" dir "/tcp", "vde", "mbps"), ">=", 1, 0)
	check(name " vknetd/vde_switch CPU/GB", ratio("tcp-" dir "/tcp",
	    "vknetd", "tcp-" dir "/tcp", "vde", "cpugb"), "<=", 0.6, 0)
}

END {
	printf "vknet bench: each figure is the median of %d runs " \
	    "(min-max); ratios are taken run by run.\n", runs
	pinned = cpus >= 2 ? " (switch on CPU 1, vkbench on CPU 0)" : ""
	warn = busy >= 10 ? ": expect spread" : ""
	printf "%d CPUs%s, %d%% busy before the start%s.\n", cpus, pinned,
	    busy, warn

	head("1 TCP, iperf3 " tcpsecs " s each way", "vknetd",
	    "vde_switch", "")
	tcp("up", "up")
	tcp("down", "down")
	tcp_checks("up", "up")
	tcp_checks("down", "down")

	head("2 open loop 1 -> 1", "vknetd", "vde_switch", "relay")
	open_loop("blast64/blast", "64 B ", "relay")
	open_loop("blast1500/blast", "1500 B ", "relay")
	check("64 B delivered, vknetd/vde", ratio("blast64/blast",
	    "vknetd", "blast64/blast", "vde", "fps"), ">=", 1.5, 0)
	check("64 B vknetd loss %", fig("blast64/blast", "vknetd", "loss",
	    100, "%.2f"), "<=", 0.1, 0)
	check("1500 B delivered, vknetd/vde", ratio("blast1500/blast",
	    "vknetd", "blast1500/blast", "vde", "fps"), ">=", 1.5, 0)
	check("1500 B vknetd loss %", fig("blast1500/blast", "vknetd",
	    "loss", 100, "%.2f"), "<=", 0.1, 0)

	head("3 burst 8 x 256 frames of 1500 B", "vknetd", "vde_switch",
	    "")
	row("delivered of 2048", fig("burst/burst", "vknetd", "got", 1,
	    "%.0f"), fig("burst/burst", "vde", "got", 1, "%.0f"), "")
	row("vknetd -s drops", fig("burst/drops", "vknetd", "drops", 1,
	    "%.0f"), "", "")
	check("vknetd delivered", fig("burst/burst", "vknetd", "got", 1,
	    "%.0f"), ">=", 2048, 1)

	head("4 broadcast 1 -> 8, 64 B, open loop", "vknetd", "vde_switch",
	    "")
	open_loop("bcast/bcast", "")
	check("delivered, vknetd/vde", ratio("bcast/bcast", "vknetd",
	    "bcast/bcast", "vde", "fps"), ">=", 1.5, 0)
	check("vknetd loss %", fig("bcast/bcast", "vknetd", "loss", 100,
	    "%.2f"), "<=", 0.1, 0)

	head("5 stall: A -> B, C stopped", "vknetd", "vde_switch", "")
	row("kframes/s, nothing for C", fig("stall/stall", "vknetd", "base",
	    1e-3, "%.0f"), fig("stall/stall", "vde", "base", 1e-3, "%.0f"),
	    "")
	row("kframes/s, D sending to C", fig("stall/stall", "vknetd", "fps",
	    1e-3, "%.0f"), fig("stall/stall", "vde", "fps", 1e-3, "%.0f"),
	    "")
	row("frames D got into its socket", fig("stall/stall", "vknetd",
	    "side", 1, "%.0f"), fig("stall/stall", "vde", "side", 1, "%.0f"),
	    "")
	row("vknetd -s stalled drops", fig("stall/drops", "vknetd",
	    "stalled", 1, "%.0f"), "", "")
	row("VmRSS growth over the stall KiB", growth("stall/stall", "vknetd",
	    "rss0", "rss1"), growth("stall/stall", "vde", "rss0", "rss1"), "")
	check("vknetd with/without", ratio("stall/stall", "vknetd",
	    "stall/stall", "vknetd", "fps", "base"), ">=", 0.9, 0)
	row("vde_switch with/without", ratio("stall/stall", "vde",
	    "stall/stall", "vde", "fps", "base"), "(for comparison)", "")
	check("vknetd stall declared (drops)", fig("stall/drops", "vknetd",
	    "stalled", 1, "%.0f"), ">=", 1, 1)
	check("vknetd VmRSS growth KiB", growth("stall/stall", "vknetd",
	    "rss0", "rss1"), "<=", 64, 1)

	head("6 round trip, 64 B, microseconds", "vknetd", "vde_switch", "")
	row("p50 idle", fig("ping/ping", "vknetd", "p50", 1, "%.0f"),
	    fig("ping/ping", "vde", "p50", 1, "%.0f"), "")
	row("p99 idle", fig("ping/ping", "vknetd", "p99", 1, "%.0f"),
	    fig("ping/ping", "vde", "p99", 1, "%.0f"), "")
	row("p50, C flooding D", fig("ping/ping", "vknetd", "lp50", 1,
	    "%.0f"), fig("ping/ping", "vde", "lp50", 1, "%.0f"), "")
	row("p99, C flooding D", fig("ping/ping", "vknetd", "lp99", 1,
	    "%.0f"), fig("ping/ping", "vde", "lp99", 1, "%.0f"), "")
	row("flood delivered kframes/s", fig("ping/ping", "vknetd", "flood",
	    1e-3, "%.0f"), fig("ping/ping", "vde", "flood", 1e-3, "%.0f"),
	    "")
	row("round trips lost", fig("ping/ping", "vknetd", "lost", 1,
	    "%.0f"), fig("ping/ping", "vde", "lost", 1, "%.0f"), "")
	check("vknetd p99 loaded/idle", ratio("ping/ping", "vknetd",
	    "ping/ping", "vknetd", "lp99", "p99"), "<=", 3, 0)
	row("vde_switch p99 loaded/idle", ratio("ping/ping", "vde",
	    "ping/ping", "vde", "lp99", "p99"), "(for comparison)", "")

	head("7 unicast 64 B, " idle " idle clients", "vknetd",
	    "vde_switch", "")
	row("kframes/s, none idle", fig("idle/unicast", "vknetd", "fps",
	    1e-3, "%.0f"), fig("idle/unicast", "vde", "fps", 1e-3, "%.0f"),
	    "")
	row("kframes/s, " idle " idle", fig("idle/idle", "vknetd", "fps",
	    1e-3, "%.1f"), fig("idle/idle", "vde", "fps", 1e-3, "%.1f"), "")
	row("loss %, " idle " idle", fig("idle/idle", "vknetd", "loss", 100,
	    "%.2f"), fig("idle/idle", "vde", "loss", 100, "%.2f"), "")
	check("vknetd " idle " idle/none idle", ratio("idle/idle", "vknetd",
	    "idle/unicast", "vknetd", "fps"), ">=", 0.8, 0)
	row("vde_switch " idle " idle/none", ratio("idle/idle", "vde",
	    "idle/unicast", "vde", "fps"), "(for comparison)", "")

	head("8 UDP 64 B into the kernel", "vknetd -> TAP", "direct TAP",
	    "")
	row("kframes/s at the UDP socket", fig("tap/tap", "vknetd", "fps",
	    1e-3, "%.0f"), fig("tap/direct", "direct", "fps", 1e-3, "%.0f"),
	    "")
	row("loss %", fig("tap/tap", "vknetd", "loss", 100, "%.2f"),
	    fig("tap/direct", "direct", "loss", 100, "%.2f"), "")
	check("vknetd (secure)/direct write", ratio("tap/tap", "vknetd",
	    "tap/direct", "direct", "fps"), ">=", 0.7, 0)

	head("9 1500 B over sshd on loopback", "vknet", "ssh cat", "")
	if (!vknet) {
		row("Mbit/s", "n/a (vknet not built)", fig("ssh/gen", "cat",
		    "mbps", 1, "%.0f"), "")
		row("Mbit/s, -C", "n/a (vknet not built)", fig("ssh-C/gen",
		    "cat", "mbps", 1, "%.0f"), "")
	} else {
		row("Mbit/s", fig("ssh/unicast", "vknet", "mbps", 1, "%.0f"),
		    fig("ssh/gen", "cat", "mbps", 1, "%.0f"), "")
		row("loss %", fig("ssh/unicast", "vknet", "loss", 100,
		    "%.2f"), "", "")
		row("Mbit/s, -C", fig("ssh-C/unicast", "vknet", "mbps", 1,
		    "%.0f"), fig("ssh-C/gen", "cat", "mbps", 1, "%.0f"), "")
		row("loss %, -C", fig("ssh-C/unicast", "vknet", "loss", 100,
		    "%.2f"), "", "")
	}
	check("vknet/ssh cat", ratio("ssh/unicast", "vknet", "ssh/gen",
	    "cat", "mbps"), ">=", 0.9, 0)
	check("vknet -C/ssh -C cat", ratio("ssh-C/unicast", "vknet",
	    "ssh-C/gen", "cat", "mbps"), ">=", 0.9, 0)

	head("10 memory, KiB", "vknetd", "vde_switch", "")
	kib("VmRSS idle", "idle")
	kib("  of which RssAnon", "anon")
	kib("VmRSS, " idle " clients", "clients")
	kib("VmRSS, stalled client, 1 s", "stall1")
	kib("VmRSS, stalled client, " stall " s", "stall")
	kib("VmHWM at the end", "hwm")
	check("vknetd VmRSS idle", fig("rss/rss", "vknetd", "idle", 1,
	    "%.0f"), "<=", 2048, 0)
	check("vknetd VmRSS, " idle " clients", fig("rss/rss", "vknetd",
	    "clients", 1, "%.0f"), "<=", 8192, 0)
	check("vknetd growth 1 s -> " stall " s", growth("rss/rss", "vknetd",
	    "stall1", "stall"), "<=", 64, 1)

	print ""
	print "Legend: vde_switch is Debian's vde2 as a switch (-n " \
	    idle + 100 "), reached through libvdeplug;"
	print "relay is a bare poll()/recv()/send() forwarder between two " \
	    "clients, lossless"
	print "because it blocks: what one receiver can take."
	print "1: vknetd -U and vde_switch -t, each TAP at 198.51.100.1; " \
	    "the far end is vde_plug's"
	print "   TAP at .2 in another namespace (through vknet -E for " \
	    "vknetd).  up: from the"
	print "   switch's TAP to the TAP client; down: back."
	print "   CPU: utime + stime of the switch's processes per GB of " \
	    "TCP payload delivered."
	print "2, 4: the sender sends " secs " s as fast as its socket " \
	    "takes frames (waiting for POLLOUT"
	print "   when full); loss is what it sent and never arrived.  " \
	    "vknetd also copies each"
	print "   broadcast to its TAP (-U): 9 copies to vde_switch's 8.  " \
	    "4 runs vknetd -L 0: storm"
	print "   control (200/s a port by default) would drop the flood."
	print "5: " win "-frame window A -> B, " secs " s in turns: " \
	    "nobody sending to C, then D sending C"
	print "   16 frames a ms; declared: vknetd counted stalled drops."
	print "6: ping-pong between two processes; the flood runs at nice " \
	    "19, open loop."
	print "7: window of " win " frames; each switch against itself, " \
	    "before and after " idle
	print "   idle clients connect."
	print "8: vknetd in secure mode, 198.51.100.1/24 on its TAP, " \
	    "frames from 198.51.100.2,"
	print "   next to vkbench writing the same frames into a TAP " \
	    "of its own."
	print "9: " sshsecs " s per run, random payloads; ssh cat counts " \
	    "what the pipe takes once full."
	print "7, 10: vknetd's memory is its switch process's, which " \
	    "does the work."
	print "10: flat: at most 64 KiB more after " stall " s of flooding " \
	    "a client that never reads"
	print "   than after 1 s."
	printf "Wall time %d s.\n", wall
}
