# The table of "make bench", from bench.sh's results: one line per
# measurement, "case who run key=value ...".  A figure is the median of
# its runs with (min-max); a ratio is taken run by run, then the same.
# Variables from bench.sh: runs secs win idle sshsecs stall vknet wall
# busy cpus.

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

# Run-by-run ratio of two figures; leaves its median in MED.
function ratio(c1, w1, c2, w2, k,    r, n, a) {
	n = 0
	for (r = 1; r <= runs; r++)
		if ((c1, w1, r, k) in v && (c2, w2, r, k) in v &&
		    v[c2, w2, r, k] > 0)
			a[++n] = v[c1, w1, r, k] / v[c2, w2, r, k]
	return summarize(a, n) ? show("%.2f") : "n/a"
}

function row(label, a, b, c) {
	printf "   %-32s %-21s %-21s %s\n", label, a, b, c
}

function head(title, a, b, c) {
	printf "\n%-35s %-21s %-21s %s\n", title, a, b, c
}

# A ratio against its target: at least (ge) or at most.
function check(label, value, target, ge,    ok) {
	if (MED < 0)
		ok = "n/a"
	else
		ok = (ge ? MED >= target : MED <= target) ? "PASS" : "MISS"
	printf "   %-32s %-21s %-21s %s\n", label, value,
	    (ge ? ">= " : "<= ") target, ok
}

# Frames per second, Mbit/s and loss of case c for up to three whos.
function rates(c, w1, w2, w3, what) {
	row(what " kframes/s", fig(c, w1, "fps", 1e-3, "%.0f"),
	    fig(c, w2, "fps", 1e-3, "%.0f"), w3 ? fig(c, w3, "fps", 1e-3,
	    "%.0f") : "")
	row(what " Mbit/s", fig(c, w1, "mbps", 1, "%.0f"),
	    fig(c, w2, "mbps", 1, "%.0f"), w3 ? fig(c, w3, "mbps", 1,
	    "%.0f") : "")
	row(what " loss %", fig(c, w1, "loss", 100, "%.2f"),
	    fig(c, w2, "loss", 100, "%.2f"), w3 ? fig(c, w3, "loss", 100,
	    "%.2f") : "")
}

function kib(label, k) {
	row(label, fig("rss/rss", "vknetd", k, 1, "%.0f"),
	    fig("rss/rss", "vde", k, 1, "%.0f"), "")
}

END {
	printf "vknet bench: each figure is the median of %d runs " \
	    "(min-max); ratios are taken run by run.\n", runs
	printf "Window method: vkbench keeps %d frames in flight and " \
	    "counts what arrives for %s s\n", win, secs
	printf "after a warm-up, so the rate is what the switch forwards " \
	    "without loss, not what a\n"
	pinned = cpus >= 2 ? " (switch on CPU 1, vkbench on CPU 0)" : ""
	warn = busy >= 10 ? ": expect spread" : ""
	printf "sender can push into a socket buffer.\n%d CPUs%s, %d%% " \
	    "busy before the start%s.\n", cpus, pinned, busy, warn

	head("1 unicast, 2 learned clients", "vknetd", "vde_switch", "relay")
	rates("u64/unicast", "vknetd", "vde", "relay", "64 B")
	rates("u1500/unicast", "vknetd", "vde", "relay", "1500 B")
	check("64 B vknetd/vde_switch fps", ratio("u64/unicast", "vknetd",
	    "u64/unicast", "vde", "fps"), 1.5, 1)
	check("64 B vknetd/relay fps", ratio("u64/unicast", "vknetd",
	    "u64/unicast", "relay", "fps"), 0.6, 1)
	check("1500 B vknetd/vde_switch Mbit/s", ratio("u1500/unicast",
	    "vknetd", "u1500/unicast", "vde", "mbps"), 1.5, 1)
	check("1500 B vknetd/relay Mbit/s", ratio("u1500/unicast", "vknetd",
	    "u1500/unicast", "relay", "mbps"), 0.6, 1)

	head("2 broadcast 1 -> 8 clients, 64 B", "vknetd", "vde_switch",
	    "relay")
	row("delivered kframes/s", fig("bcast/bcast", "vknetd", "fps", 1e-3,
	    "%.0f"), fig("bcast/bcast", "vde", "fps", 1e-3, "%.0f"),
	    "n/a (two clients)")
	row("loss %", fig("bcast/bcast", "vknetd", "loss", 100, "%.2f"),
	    fig("bcast/bcast", "vde", "loss", 100, "%.2f"), "")
	check("vknetd/vde_switch delivered", ratio("bcast/bcast", "vknetd",
	    "bcast/bcast", "vde", "fps"), 1.5, 1)

	head("3 unicast 64 B, " idle " idle clients", "vknetd",
	    "vde_switch", "")
	row("kframes/s, none idle", fig("idle/unicast", "vknetd", "fps",
	    1e-3, "%.0f"), fig("idle/unicast", "vde", "fps", 1e-3, "%.0f"),
	    "")
	row("kframes/s, " idle " idle", fig("idle/idle", "vknetd", "fps",
	    1e-3, "%.1f"), fig("idle/idle", "vde", "fps", 1e-3, "%.1f"), "")
	row("loss %, " idle " idle", fig("idle/idle", "vknetd", "loss", 100,
	    "%.2f"), fig("idle/idle", "vde", "loss", 100, "%.2f"), "")
	check("vknetd " idle " idle/none idle", ratio("idle/idle", "vknetd",
	    "idle/unicast", "vknetd", "fps"), 0.8, 1)
	row("vde_switch " idle " idle/none", ratio("idle/idle", "vde",
	    "idle/unicast", "vde", "fps"), "(for comparison)", "")

	head("4 UDP 64 B into the kernel", "vknetd -> TAP", "direct TAP",
	    "")
	row("kframes/s at the UDP socket", fig("tap/tap", "vknetd", "fps",
	    1e-3, "%.0f"), fig("tap/direct", "direct", "fps", 1e-3, "%.0f"),
	    "")
	row("loss %", fig("tap/tap", "vknetd", "loss", 100, "%.2f"),
	    fig("tap/direct", "direct", "loss", 100, "%.2f"), "")
	check("vknetd (secure)/direct write", ratio("tap/tap", "vknetd",
	    "tap/direct", "direct", "fps"), 0.7, 1)

	head("5 1500 B over sshd on loopback", "vknet", "ssh cat", "")
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
	    "cat", "mbps"), 0.9, 1)
	check("vknet -C/ssh -C cat", ratio("ssh-C/unicast", "vknet",
	    "ssh-C/gen", "cat", "mbps"), 0.9, 1)

	head("6 memory, KiB", "vknetd", "vde_switch", "")
	kib("VmRSS idle", "idle")
	kib("  of which RssAnon", "anon")
	kib("VmRSS, " idle " clients", "clients")
	kib("VmRSS, stalled client, 1 s", "stall1")
	kib("VmRSS, stalled client, " stall " s", "stall")
	kib("VmHWM at the end", "hwm")
	check("vknetd VmRSS idle", fig("rss/rss", "vknetd", "idle", 1,
	    "%.0f"), 2048, 0)
	check("vknetd VmRSS, " idle " clients", fig("rss/rss", "vknetd",
	    "clients", 1, "%.0f"), 8192, 0)
	n = 0
	for (r = 1; r <= runs; r++)
		if (("rss/rss", "vknetd", r, "stall1") in v)
			growth[++n] = v["rss/rss", "vknetd", r, "stall"] - \
			    v["rss/rss", "vknetd", r, "stall1"]
	g = summarize(growth, n) ? show("%.0f") : "n/a"
	check("vknetd growth 1 s -> " stall " s", g, 64, 0)

	print ""
	print "Legend: relay is a bare poll()/recv()/send() forwarder " \
	    "between two clients;"
	print "vde_switch is Debian's vde2 as a switch (-n " idle + 100 \
	    "), reached through libvdeplug."
	print "2: vknetd also copies each broadcast to its TAP (-U): 9 " \
	    "copies to vde_switch's 8."
	print "3: each switch against itself, before and after " idle \
	    " idle clients connect."
	print "4: vknetd in secure mode, 198.51.100.1/24 on its TAP, " \
	    "frames from 198.51.100.2,"
	print "   next to vkbench writing the same frames into a TAP " \
	    "of its own."
	print "5: " sshsecs " s per run, random payloads; ssh cat counts " \
	    "what the pipe takes once full."
	print "6: flat: at most 64 KiB more after " stall " s of flooding " \
	    "a client that never reads"
	print "   than after 1 s."
	printf "Wall time %d s.\n", wall
}
