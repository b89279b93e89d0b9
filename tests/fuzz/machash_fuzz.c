/*
 * libFuzzer harness for the MAC table (usr.sbin/vknetd/machash.c),
 * checked step by step against a reference model: a plain array of
 * entries searched end to end, too slow for a switch and too simple to
 * be wrong.  The first four bytes choose the table (capacity 1 to 16,
 * aging time 1 to 8 seconds, a per-port limit of none or 1 to 5, 1 to
 * 8 ports), then three bytes per step: what % 8, an address a, a
 * port p:
 *
 *	0-1  learn address a on port p;
 *	2    look up address a;
 *	3    time passes: what >> 3 seconds, 0 to 31;
 *	4    forget port p;
 *	5    expire aged entries;
 *	6-7  look up, then learn, address a on port p.
 *
 * After every step the table and the model agree on every answer
 * (learn's outcome, lookup's port, how many expired), on the count and
 * each port's count, and machash_walk() shows exactly the model's
 * entries; the count never exceeds the capacity, nor a port's count
 * the limit.  The addresses come from a set of 40, so that they are
 * learned again, move, age and fill the table.
 *
 * An entry is found by its key, today a MAC address.  When the table
 * learns a VLAN too, it goes into struct key, key_of() and key_eq(),
 * and into the calls in learn(), lookup() and walked().
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ether.h"
#include "machash.h"

#define CAP_MAX		16
#define NKEYS		40
#define PORTS_MAX	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct key {
	uint16_t	vid;
	uint8_t		mac[MAC_LEN];
};

struct entry {
	struct key	k;
	int		port;
	time_t		seen;
	int		walked;
};

/* The model, and what the table was made with. */
static struct {
	struct entry	e[CAP_MAX];
	uint32_t	n;
	uint32_t	capacity;
	time_t		max_age;
	uint32_t	limit;
	int		nports;
} m;

static const uint8_t	*in;
static size_t		 inlen;

static uint8_t
next(void)
{
	if (inlen == 0)
		return (0);
	inlen--;
	return (*in++);
}

/* Key i of the set: unicast addresses that differ in more than one byte. */
static struct key
key_of(unsigned int i)
{
	/* Pairs of keys share a MAC in two VLANs. */
	struct key k = { (uint16_t)(1 + (i & 1) * 9), { 0x02,
	    (uint8_t)(i / 2 * 37), 0, 0, (uint8_t)(i >> 4), (uint8_t)(i / 2) } };

	return (k);
}

static int
key_eq(const struct key *a, const struct key *b)
{
	return (a->vid == b->vid && memcmp(a->mac, b->mac, MAC_LEN) == 0);
}

static struct entry *
find(const struct key *k)
{
	uint32_t i;

	for (i = 0; i < m.n; i++)
		if (key_eq(&m.e[i].k, k))
			return (&m.e[i]);
	return (NULL);
}

static void
drop(struct entry *e)
{
	*e = m.e[--m.n];
}

static int
stale(const struct entry *e, time_t now)
{
	return (now - e->seen > m.max_age);
}

static uint32_t
port_count(int port)
{
	uint32_t i, n = 0;

	for (i = 0; i < m.n; i++)
		n += m.e[i].port == port;
	return (n);
}

static uint32_t
model_expire(time_t now)
{
	uint32_t i, n = 0;

	for (i = 0; i < m.n;)
		if (stale(&m.e[i], now)) {
			drop(&m.e[i]);
			n++;
		} else
			i++;
	return (n);
}

/*
 * What machash.h promises, from nothing but the array.  An aged entry
 * is gone for lookups, but until swept it still holds its place: it is
 * counted, and learning it again, even on another port, only refreshes
 * it (not a move: no one used it lately).  A full table makes room by
 * sweeping out aged entries.  (It does so at most once a second, which
 * cannot be seen from outside: a second sweep in the same second would
 * find nothing.)
 */
static enum machash_learned
model_learn(const struct key *k, int port, time_t now)
{
	struct entry *e;
	int moved;

	if ((e = find(k)) != NULL && e->port == port) {
		e->seen = now;
		return (MACHASH_REFRESHED);
	}
	if (m.limit != 0 && port_count(port) >= m.limit)
		return (MACHASH_LIMIT);
	if (e != NULL) {
		moved = !stale(e, now);
		e->port = port;
		e->seen = now;
		return (moved ? MACHASH_MOVED : MACHASH_REFRESHED);
	}
	if (m.n == m.capacity && model_expire(now) == 0)
		return (MACHASH_FULL);
	m.e[m.n].k = *k;
	m.e[m.n].port = port;
	m.e[m.n++].seen = now;
	return (MACHASH_ADDED);
}

static void
model_forget(int port)
{
	uint32_t i;

	for (i = 0; i < m.n;)
		if (m.e[i].port == port)
			drop(&m.e[i]);
		else
			i++;
}

static int
model_lookup(const struct key *k, time_t now)
{
	struct entry *e;

	if ((e = find(k)) == NULL)
		return (MACHASH_NONE);
	if (stale(e, now)) {
		drop(e);
		return (MACHASH_NONE);
	}
	return (e->port);
}

static void
learn(struct machash *h, const struct key *k, int port, time_t now)
{
	enum machash_learned want = model_learn(k, port, now);

	assert(machash_learn(h, k->vid, k->mac, port, now, m.limit) == want);
}

static void
lookup(struct machash *h, const struct key *k, time_t now)
{
	int want = model_lookup(k, now);

	assert(machash_lookup(h, k->vid, k->mac, now) == want);
}

/* Each entry the table shows is one of the model's, shown once. */
static void
walked(uint16_t vid, const uint8_t *mac, int port, time_t seen, void *arg)
{
	struct key k;
	struct entry *e;

	k.vid = vid;
	memcpy(k.mac, mac, MAC_LEN);
	assert((e = find(&k)) != NULL && e->port == port &&
	    e->seen == seen && !e->walked);
	e->walked = 1;
	(*(uint32_t *)arg)++;
}

static void
agree(const struct machash *h)
{
	uint32_t i, n = 0;
	int p;

	assert(machash_count(h) == m.n && m.n <= m.capacity);
	for (p = 0; p < m.nports; p++) {
		assert(machash_port_count(h, p) == port_count(p));
		assert(m.limit == 0 || port_count(p) <= m.limit);
	}
	for (i = 0; i < m.n; i++)
		m.e[i].walked = 0;
	machash_walk(h, walked, &n);
	assert(n == m.n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct machash *h;
	time_t now = 1000;
	struct key k;
	uint8_t b;
	int port;

	in = buf;
	inlen = len;
	memset(&m, 0, sizeof(m));
	m.capacity = 1 + next() % CAP_MAX;
	m.max_age = 1 + next() % 8;
	m.limit = next() % 6;
	m.nports = 1 + next() % PORTS_MAX;
	assert((h = machash_new(m.capacity, m.max_age, m.nports)) != NULL);
	while (inlen > 0) {
		b = next();
		k = key_of(next() % NKEYS);
		port = next() % m.nports;
		switch (b % 8) {
		case 0:
		case 1:
			learn(h, &k, port, now);
			break;
		case 2:
			lookup(h, &k, now);
			break;
		case 3:
			now += b >> 3;
			break;
		case 4:
			machash_forget_port(h, port);
			model_forget(port);
			break;
		case 5:
			assert(machash_expire(h, now) == model_expire(now));
			break;
		default:
			lookup(h, &k, now);
			learn(h, &k, port, now);
		}
		agree(h);
	}
	machash_free(h);
	return (0);
}
