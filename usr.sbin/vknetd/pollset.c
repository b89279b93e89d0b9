/*
 * The daemon's modules describe what they wait for the way poll(2)
 * wants it, in one array of struct pollfd slots: an fd (or -1) and
 * events.  poll(2) itself, though, visits every descriptor in the
 * kernel on every turn, and with a thousand idle clients that was a
 * quarter of the switch's time.  So the wait goes through epoll: before
 * each wait the slots are compared with what the epoll instance holds
 * and only the differences go to the kernel, a pass over memory that
 * costs far less than poll(2).  Ready slots then get their revents as
 * poll(2) would have set them (epoll's event bits are poll's).
 *
 * A slot whose descriptor is about to be closed must be forgotten
 * first (pollset_forget()): the descriptor number may come back in the
 * same slot before the next wait, and would look unchanged while close()
 * had taken its registration away.  An event whose slot no longer holds
 * that descriptor is ignored.
 */
#include <sys/epoll.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "pollset.h"

#define EVENTS_MAX	256

static struct {
	int		 epfd;
	struct pollfd	*slots;		/* the daemon's array */
	struct pollfd	*held;		/* what epoll has, per slot */
	int		 maxslots;
	struct epoll_event ev[EVENTS_MAX];
} ps = { .epfd = -1 };

int
pollset_init(struct pollfd *slots, int maxslots)
{
	int i;

	if ((ps.held = calloc((size_t)maxslots, sizeof(*ps.held))) == NULL ||
	    (ps.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (-1);
	for (i = 0; i < maxslots; i++)
		ps.held[i].fd = -1;
	ps.slots = slots;
	ps.maxslots = maxslots;
	return (0);
}

void
pollset_close(void)
{
	if (ps.epfd != -1)
		close(ps.epfd);
	free(ps.held);
	ps.epfd = -1;
	ps.held = NULL;
	ps.slots = NULL;
}

void
pollset_forget(const struct pollfd *slot)
{
	struct pollfd *h;

	if (ps.slots == NULL || slot < ps.slots ||
	    slot >= ps.slots + ps.maxslots)
		return;
	h = &ps.held[slot - ps.slots];
	if (h->fd != -1)
		(void)epoll_ctl(ps.epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->fd = -1;
}

static void
sync_slot(int i)
{
	struct pollfd *h = &ps.held[i], *s = &ps.slots[i];
	struct epoll_event ev;

	if (h->fd == s->fd && (s->fd == -1 || h->events == s->events))
		return;
	if (h->fd != -1 && h->fd != s->fd)
		pollset_forget(s);
	if (s->fd == -1)
		return;
	ev.events = (uint32_t)(unsigned short)s->events;
	ev.data.u64 = (uint64_t)(uint32_t)i << 32 | (uint32_t)s->fd;
	if (epoll_ctl(ps.epfd, h->fd == -1 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
	    s->fd, &ev) == 0) {
		h->fd = s->fd;
		h->events = s->events;
	}
}

/* Wait on slots [0, nslots); slots above must be unused (fd -1). */
int
pollset_wait(int nslots, int timeout_ms, const sigset_t *waitmask)
{
	int i, n, slot;

	for (i = 0; i < nslots; i++) {
		sync_slot(i);
		ps.slots[i].revents = 0;
	}
	if ((n = epoll_pwait(ps.epfd, ps.ev, EVENTS_MAX, timeout_ms,
	    waitmask)) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		slot = (int)(ps.ev[i].data.u64 >> 32);
		if (slot < nslots &&
		    ps.slots[slot].fd == (int)(uint32_t)ps.ev[i].data.u64)
			ps.slots[slot].revents = (short)ps.ev[i].events;
	}
	return (n);
}
