# vknet: vknetd(8), the virtual switch, and vknet(1), which joins two
# switches over ssh.  Targets: all check lint demo fuzz bench install
# uninstall clean.
SUBDIR	= usr.sbin/vknetd usr.bin/vknet
MANS	= share/man/man8/vknetd.8 share/man/man1/vknet.1
DEPENDS	= sh tools/depends.sh
# make && make install [PREFIX=/usr/local] [DESTDIR=]: PROGS and MANS,
# the init script and systemd unit; see tools/install.sh.  PROGS are
# named as installed: sbin/vknetd is built as usr.sbin/vknetd/vknetd.
PREFIX	?= /usr/local
PROGS	 = sbin/vknetd bin/vknet
INSTALL_SH = PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" PROGS="$(PROGS)" \
	   MANS="$(MANS)" sh tools/install.sh

all:
	@for d in $(SUBDIR); do $(MAKE) -C $$d || exit 1; done

check:
	@$(DEPENDS) check
	@$(MAKE) all
	@$(MAKE) -C tests
	@$(MAKE) -s -C tests/fuzz replay
	@sh tools/check.sh

lint:
	@$(DEPENDS) build
	@$(MAKE) clean
	@$(MAKE) all WERROR=1
	@$(MAKE) -C tests WERROR=1
	mandoc -T lint -W warning $(MANS)

demo:
	@$(DEPENDS) demo
	@$(MAKE) all
	@sh tools/demo.sh

# Each fuzz harness under libFuzzer for FUZZ_SECS; see tests/fuzz.
fuzz:
	@$(DEPENDS) fuzz
	@$(MAKE) -C tests/fuzz fuzz

# Performance next to vde_switch and the rest; see tools/bench/bench.sh.
bench:
	@$(DEPENDS) bench
	@$(MAKE) all
	@$(MAKE) -C tools/bench
	@sh tools/bench/bench.sh

install:
	@$(INSTALL_SH) install

uninstall:
	@$(INSTALL_SH) uninstall

clean:
	@for d in $(SUBDIR) tests tests/fuzz tools/bench; do \
	    $(MAKE) -C $$d clean || exit 1; done

.PHONY: all check lint demo fuzz bench install uninstall clean
