# Shared rules for the programs: set PROG and SRCS, then include this.
# Sources from lib/libvknet are compiled in directly; it is small.
TOP	?= ../..
LIBDIR	 = $(TOP)/lib/libvknet
# A user's CFLAGS, CPPFLAGS and LDFLAGS (environment or command line)
# are added to, never needed: our include paths live in VK_CPPFLAGS.
# -Werror only with WERROR=1 (make lint, CI), not in a user's build.
CC	?= cc
ifdef SANITIZE
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS	?= -O2 -g
# What vknetd -s says runs: the package's version, and the commit when
# built from a git checkout, so that a reload shows the new build.
VERSION	:= $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' \
	   $(TOP)/debian/changelog)$(shell git -C $(TOP) describe --always \
	   --dirty 2>/dev/null | sed 's/^/-g/')
VK_CPPFLAGS = -D_GNU_SOURCE -I$(LIBDIR) -DVKNET_VERSION=\"$(VERSION)\"
VK_CFLAGS = -std=c11 -Wall -Wextra -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes $(SANITIZE_FLAGS) \
	   $(if $(WERROR),-Werror)
override CPPFLAGS := $(VK_CPPFLAGS) $(CPPFLAGS)
override CFLAGS := $(VK_CFLAGS) $(CFLAGS)
LDLIBS	+= -lbsd

OBJS	 = $(SRCS:.c=.o) $(LIBSRCS:%.c=$(LIBDIR)/%.o)

all: $(PROG)

$(PROG): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS): $(wildcard *.h $(LIBDIR)/*.h)

clean:
	rm -f $(PROG) *.o

.PHONY: all clean
