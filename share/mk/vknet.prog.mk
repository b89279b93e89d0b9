# Shared rules for the programs: set PROG and SRCS, then include this.
# Sources from lib/libvknet are compiled in directly; it is small.
TOP	?= ../..
LIBDIR	 = $(TOP)/lib/libvknet
CC	?= cc
# A user's CFLAGS, CPPFLAGS and LDFLAGS (dpkg-buildflags', say) are
# added to, never needed: include paths are in CPPFLAGS of our own.
# Warnings stop the build only for make lint and CI (WERROR=1).
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -Wall -Wextra -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes $(SANITIZE_FLAGS)
CPPFLAGS += -D_GNU_SOURCE -I$(LIBDIR)
ifdef WERROR
CFLAGS	+= -Werror
endif
LDLIBS	+= -lbsd
ifdef SANITIZE
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif

OBJS	 = $(SRCS:.c=.o) $(LIBSRCS:%.c=$(LIBDIR)/%.o)

all: $(PROG)

$(PROG): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS): $(wildcard *.h $(LIBDIR)/*.h)

clean:
	rm -f $(PROG) *.o

.PHONY: all clean
