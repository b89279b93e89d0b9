# Shared rules for the programs: set PROG and SRCS, then include this.
# Sources from lib/libvknet are compiled in directly; it is small.
TOP	?= ../..
LIBDIR	 = $(TOP)/lib/libvknet
CC	?= cc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	   -I$(LIBDIR) $(SANITIZE_FLAGS)
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
