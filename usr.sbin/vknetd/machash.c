/*
 * The MAC table: a chained hash over a pool of entries allocated once
 * at start-up, so learning never allocates.  Buckets hold the index of
 * their first entry plus one (0 is empty); entries given back sit on a
 * free list threaded through the same `next' field, and are reused
 * before the never-used rest of the pool, which stays untouched.
 *
 * The key is an address and its VLAN.
 * The bucket is chosen by a keyed mix of the key with a seed from
 * getrandom(2): a guest that makes up addresses cannot aim them all at
 * one chain.  An entry older than max_age is treated as absent by
 * lookups at once; machash_expire() returns such entries to the pool.
 *
 * Each port's entries are counted, so that learning can stop at a
 * limit per port: one guest inventing addresses fills its own share
 * of the table, not the table.
 */
#include <sys/random.h>

#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "machash.h"

struct entry {
	uint8_t		mac[MAC_LEN];
	uint16_t	vid;
	int		port;
	uint32_t	next;		/* index + 1 in chain or free list */
	time_t		seen;
};

struct machash {
	struct entry	*pool;
	uint32_t	*bucket;
	uint32_t	 capacity;
	uint32_t	 nbuckets;	/* a power of two */
	uint32_t	 freelist;	/* entries given back */
	uint32_t	 unused;	/* entries never handed out yet */
	uint32_t	 count;
	uint32_t	*nport;		/* entries per port */
	int		 maxports;
	time_t		 max_age;
	time_t		 swept;		/* when expire last ran */
	uint64_t	 seed;
};

struct machash *
machash_new(uint32_t capacity, time_t max_age, int maxports)
{
	struct machash *h;

	if (capacity == 0 || capacity > (1U << 24) ||
	    (h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->nbuckets = 1;
	while (h->nbuckets < capacity * 2)
		h->nbuckets <<= 1;
	h->pool = calloc(capacity, sizeof(*h->pool));
	h->bucket = calloc(h->nbuckets, sizeof(*h->bucket));
	h->nport = calloc((size_t)maxports, sizeof(*h->nport));
	h->maxports = maxports;
	if (h->pool == NULL || h->bucket == NULL || h->nport == NULL) {
		machash_free(h);
		return (NULL);
	}
	h->capacity = capacity;
	h->max_age = max_age;
	h->swept = -1;
	if (getrandom(&h->seed, sizeof(h->seed), 0) != sizeof(h->seed))
		h->seed = (uint64_t)(uintptr_t)h ^ (uint64_t)time(NULL);
	return (h);
}

void
machash_free(struct machash *h)
{
	if (h == NULL)
		return;
	free(h->pool);
	free(h->bucket);
	free(h->nport);
	free(h);
}

static uint32_t *
head(const struct machash *h, uint16_t vid, const uint8_t *mac)
{
	uint64_t k = 0;

	memcpy(&k, mac, MAC_LEN);
	k ^= (uint64_t)vid << 48;
	k ^= h->seed;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (&h->bucket[k & (h->nbuckets - 1)]);
}

/* Find (vid, mac); *linkp is left pointing at the link to it. */
static struct entry *
find(const struct machash *h, uint16_t vid, const uint8_t *mac,
    uint32_t **linkp)
{
	uint32_t *link = head(h, vid, mac);
	struct entry *e;

	for (; *link != 0; link = &e->next) {
		e = &h->pool[*link - 1];
		if (e->vid == vid && memcmp(e->mac, mac, MAC_LEN) == 0) {
			*linkp = link;
			return (e);
		}
	}
	*linkp = link;
	return (NULL);
}

static void
unlink_entry(struct machash *h, uint32_t *link)
{
	uint32_t idx = *link;
	struct entry *e = &h->pool[idx - 1];

	*link = e->next;
	e->next = h->freelist;
	h->freelist = idx;
	h->count--;
	h->nport[e->port]--;
}

static int
stale(const struct machash *h, const struct entry *e, time_t now)
{
	return (now - e->seen > h->max_age);
}

/*
 * Learn that mac, in VLAN vid, is behind port.  A port that has `limit' entries
 * (0: no limit) learns no new address, nor takes one over from another
 * port: MACHASH_LIMIT.
 */
enum machash_learned
machash_learn(struct machash *h, uint16_t vid, const uint8_t *mac, int port,
    time_t now, uint32_t limit)
{
	struct entry *e;
	uint32_t *link, idx;
	int moved;

	if ((e = find(h, vid, mac, &link)) != NULL) {
		if (e->port == port) {
			e->seen = now;
			return (MACHASH_REFRESHED);
		}
		if (limit != 0 && h->nport[port] >= limit)
			return (MACHASH_LIMIT);
		moved = !stale(h, e, now);
		h->nport[e->port]--;
		h->nport[port]++;
		e->port = port;
		e->seen = now;
		return (moved ? MACHASH_MOVED : MACHASH_REFRESHED);
	}
	if (limit != 0 && h->nport[port] >= limit)
		return (MACHASH_LIMIT);
	/*
	 * A full table is swept for aged entries at most once a second:
	 * a guest inventing addresses must not cost a sweep per frame.
	 */
	if (h->freelist == 0 && h->unused == h->capacity &&
	    (h->swept == now || machash_expire(h, now) == 0))
		return (MACHASH_FULL);
	/* Fresh entries first: the pool's pages are touched only as used. */
	if (h->freelist != 0) {
		idx = h->freelist;
		h->freelist = h->pool[idx - 1].next;
	} else
		idx = ++h->unused;
	e = &h->pool[idx - 1];
	memcpy(e->mac, mac, MAC_LEN);
	e->vid = vid;
	e->port = port;
	e->seen = now;
	e->next = *head(h, vid, mac);
	*head(h, vid, mac) = idx;
	h->count++;
	h->nport[port]++;
	return (MACHASH_ADDED);
}

uint32_t
machash_port_count(const struct machash *h, int port)
{
	return (h->nport[port]);
}

int
machash_lookup(struct machash *h, uint16_t vid, const uint8_t *mac,
    time_t now)
{
	struct entry *e;
	uint32_t *link;

	if ((e = find(h, vid, mac, &link)) == NULL)
		return (MACHASH_NONE);
	if (stale(h, e, now)) {
		unlink_entry(h, link);
		return (MACHASH_NONE);
	}
	return (e->port);
}

/* Remove every entry for which drop() holds; return how many went. */
static uint32_t
sweep(struct machash *h, int (*drop)(const struct machash *,
    const struct entry *, long), long arg)
{
	uint32_t b, *link, n = 0;

	for (b = 0; b < h->nbuckets; b++) {
		link = &h->bucket[b];
		while (*link != 0) {
			if (drop(h, &h->pool[*link - 1], arg)) {
				unlink_entry(h, link);
				n++;
			} else
				link = &h->pool[*link - 1].next;
		}
	}
	return (n);
}

static int
on_port(const struct machash *h, const struct entry *e, long port)
{
	(void)h;
	return (e->port == port);
}

static int
aged(const struct machash *h, const struct entry *e, long now)
{
	return (stale(h, e, (time_t)now));
}

void
machash_forget_port(struct machash *h, int port)
{
	(void)sweep(h, on_port, port);
}

uint32_t
machash_expire(struct machash *h, time_t now)
{
	h->swept = now;
	return (sweep(h, aged, (long)now));
}

uint32_t
machash_count(const struct machash *h)
{
	return (h->count);
}

void
machash_walk(const struct machash *h,
    void (*cb)(uint16_t, const uint8_t *, int, time_t, void *), void *arg)
{
	uint32_t b, i;
	const struct entry *e;

	for (b = 0; b < h->nbuckets; b++)
		for (i = h->bucket[b]; i != 0; i = e->next) {
			e = &h->pool[i - 1];
			cb(e->vid, e->mac, e->port, e->seen, arg);
		}
}
