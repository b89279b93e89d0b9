/*
 * Unit tests of the MAC table (machash.c): learning, moving, the
 * capacity limit, aging and expiry, forgetting a port, walking, and a
 * table filled with many addresses.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <atf-c.h>

#include "machash.h"
#include "siphash.h"

#define MAX_AGE		300
#define VID		1	/* the untagged VLAN, as today */
#define MANY		10000
#define MANY_CAP	16384
#define TEST_PORTS	4096	/* ports up to 5 * 256 + 255 are used */

struct seen {
	uint8_t		mac[6];
	int		port;
	time_t		seen;
	int		visits;
};

struct walk_state {
	struct seen	*want;
	int		 nwant;
	int		 calls;
	int		 unknown;
};

/*
 * A distinct, locally administered unicast address for each n: the
 * multiplier is odd, so n -> n * K is a bijection on 32 bits.
 */
static void
mac_of(uint8_t mac[6], uint32_t n)
{
	uint32_t x;

	x = n * 2654435761u;
	mac[0] = 0x02;
	mac[1] = 0x5e;
	mac[2] = x >> 24;
	mac[3] = x >> 16;
	mac[4] = x >> 8;
	mac[5] = x;
}

static struct machash *
table(uint32_t capacity, time_t max_age)
{
	struct machash *mh;

	mh = machash_new(capacity, max_age, TEST_PORTS);
	ATF_REQUIRE(mh != NULL);
	ATF_REQUIRE_EQ(machash_count(mh), 0);
	return (mh);
}

static void
walk_cb(uint16_t vid, const uint8_t *mac, int port, time_t seen, void *arg)
{
	struct walk_state *ws = arg;
	int i;

	ws->calls++;
	ATF_CHECK_EQ(vid, VID);
	for (i = 0; i < ws->nwant; i++) {
		if (memcmp(ws->want[i].mac, mac, 6) != 0)
			continue;
		ws->want[i].visits++;
		ATF_CHECK_EQ(port, ws->want[i].port);
		ATF_CHECK_EQ(seen, ws->want[i].seen);
		return;
	}
	ws->unknown++;
}

ATF_TC_WITHOUT_HEAD(learn_new_mac_is_added);
ATF_TC_BODY(learn_new_mac_is_added, tc)
{
	struct machash *mh;
	uint8_t a[6], b[6];

	mh = table(16, MAX_AGE);
	mac_of(a, 1);
	mac_of(b, 2);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 100), MACHASH_NONE);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 3, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, b, 0, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 100), 3);
	ATF_CHECK_EQ(machash_lookup(mh, VID, b, 100), 0);
	ATF_CHECK_EQ(machash_count(mh), 2);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(lookup_unknown_mac_is_none);
ATF_TC_BODY(lookup_unknown_mac_is_none, tc)
{
	struct machash *mh;
	uint8_t a[6], b[6];

	mh = table(16, MAX_AGE);
	mac_of(a, 1);
	mac_of(b, 2);
	ATF_CHECK_EQ(machash_lookup(mh, VID, b, 100), MACHASH_NONE);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 1, 100, 0), MACHASH_ADDED);
	/* Differs from a only in the last byte. */
	memcpy(b, a, 6);
	b[5] ^= 1;
	ATF_CHECK_EQ(machash_lookup(mh, VID, b, 100), MACHASH_NONE);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 100), 1);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(learn_same_port_refreshes);
ATF_TC_BODY(learn_same_port_refreshes, tc)
{
	struct machash *mh;
	uint8_t a[6];

	mh = table(16, MAX_AGE);
	mac_of(a, 7);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 5, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 5, 101, 0), MACHASH_REFRESHED);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 5, 101, 0), MACHASH_REFRESHED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 101), 5);
	ATF_CHECK_EQ(machash_count(mh), 1);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(learn_moves_entry_to_new_port);
ATF_TC_BODY(learn_moves_entry_to_new_port, tc)
{
	struct machash *mh;
	uint8_t a[6];

	mh = table(16, MAX_AGE);
	mac_of(a, 9);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 1, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 2, 101, 0), MACHASH_MOVED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 101), 2);
	ATF_CHECK_EQ(machash_count(mh), 1);
	/* Back again: moved, and then refreshed on the new port. */
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 1, 102, 0), MACHASH_MOVED);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 1, 102, 0), MACHASH_REFRESHED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 102), 1);
	ATF_CHECK_EQ(machash_count(mh), 1);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(lookup_honours_max_age_boundary);
ATF_TC_BODY(lookup_honours_max_age_boundary, tc)
{
	struct machash *mh;
	uint8_t a[6];

	mh = table(16, 5);
	mac_of(a, 11);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 4, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 100), 4);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 105), 4);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 106), MACHASH_NONE);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 1000), MACHASH_NONE);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(refresh_resets_age);
ATF_TC_BODY(refresh_resets_age, tc)
{
	struct machash *mh;
	uint8_t a[6], b[6];

	mh = table(16, 5);
	mac_of(a, 12);
	mac_of(b, 13);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 1, 100, 0), MACHASH_ADDED);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, b, 2, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, a, 1, 104, 0), MACHASH_REFRESHED);
	/* b was not refreshed and is too old; a is 5 s old. */
	ATF_CHECK_EQ(machash_expire(mh, 109), 1);
	ATF_CHECK_EQ(machash_count(mh), 1);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 109), 1);
	ATF_CHECK_EQ(machash_lookup(mh, VID, b, 109), MACHASH_NONE);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 110), MACHASH_NONE);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(move_resets_age);
ATF_TC_BODY(move_resets_age, tc)
{
	struct machash *mh;
	uint8_t a[6];

	mh = table(16, 5);
	mac_of(a, 14);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 1, 100, 0), MACHASH_ADDED);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 2, 104, 0), MACHASH_MOVED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 109), 2);
	ATF_CHECK_EQ(machash_expire(mh, 109), 0);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 110), MACHASH_NONE);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(learn_when_full_is_refused);
ATF_TC_BODY(learn_when_full_is_refused, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i;

	mh = table(4, MAX_AGE);
	for (i = 0; i < 4; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ(machash_learn(mh, VID, m, i, 100, 0), MACHASH_ADDED);
	}
	ATF_CHECK_EQ(machash_count(mh), 4);
	mac_of(m, 4);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 9, 101, 0), MACHASH_FULL);
	ATF_CHECK_EQ(machash_lookup(mh, VID, m, 101), MACHASH_NONE);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 9, 101, 0), MACHASH_FULL);
	ATF_CHECK_EQ(machash_count(mh), 4);
	/* Known addresses still refresh and move while full. */
	mac_of(m, 0);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 0, 101, 0), MACHASH_REFRESHED);
	mac_of(m, 1);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 7, 101, 0), MACHASH_MOVED);
	ATF_CHECK_EQ(machash_lookup(mh, VID, m, 101), 7);
	for (i = 2; i < 4; i++) {
		mac_of(m, i);
		ATF_CHECK_EQ(machash_lookup(mh, VID, m, 101), (int)i);
	}
	ATF_CHECK_EQ(machash_count(mh), 4);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(expire_frees_room_for_learning);
ATF_TC_BODY(expire_frees_room_for_learning, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i;

	mh = table(4, 10);
	for (i = 0; i < 4; i++) {
		mac_of(m, i);
		/* Entries 0 and 1 at t=100, 2 and 3 at t=120. */
		ATF_REQUIRE_EQ(machash_learn(mh, VID, m, i, i < 2 ? 100 : 120, 0),
		    MACHASH_ADDED);
	}
	/* At t=110 all four are still live. */
	mac_of(m, 4);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, m, 4, 110, 0), MACHASH_FULL);
	ATF_CHECK_EQ(machash_expire(mh, 125), 2);
	ATF_CHECK_EQ(machash_count(mh), 2);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 4, 125, 0), MACHASH_ADDED);
	mac_of(m, 5);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 5, 125, 0), MACHASH_ADDED);
	mac_of(m, 6);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 6, 125, 0), MACHASH_FULL);
	for (i = 2; i < 6; i++) {
		mac_of(m, i);
		ATF_CHECK_EQ(machash_lookup(mh, VID, m, 125), (int)i);
	}
	mac_of(m, 0);
	ATF_CHECK_EQ(machash_lookup(mh, VID, m, 125), MACHASH_NONE);
	ATF_CHECK_EQ(machash_count(mh), 4);
	machash_free(mh);
}

/*
 * FULL only when `capacity' entries are live: an aged entry still in
 * the table (no machash_expire yet) does not keep a new address out.
 */
ATF_TC_WITHOUT_HEAD(learn_when_full_reclaims_aged_entries);
ATF_TC_BODY(learn_when_full_reclaims_aged_entries, tc)
{
	struct machash *mh;
	uint8_t a[6], b[6], c[6];

	mh = table(2, 5);
	mac_of(a, 20);
	mac_of(b, 21);
	mac_of(c, 22);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, a, 1, 100, 0), MACHASH_ADDED);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, b, 2, 103, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, c, 3, 105, 0), MACHASH_FULL);
	/* At t=106 a is 6 s old; b is not. */
	ATF_CHECK_EQ(machash_learn(mh, VID, c, 3, 106, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_count(mh), 2);
	ATF_CHECK_EQ(machash_lookup(mh, VID, c, 106), 3);
	ATF_CHECK_EQ(machash_lookup(mh, VID, b, 106), 2);
	ATF_CHECK_EQ(machash_lookup(mh, VID, a, 106), MACHASH_NONE);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(expire_removes_only_aged_entries);
ATF_TC_BODY(expire_removes_only_aged_entries, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i;

	mh = table(64, 5);
	/* Entry i learned at t=100+i, on port i. */
	for (i = 0; i < 10; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ(machash_learn(mh, VID, m, i, 100 + i, 0),
		    MACHASH_ADDED);
	}
	ATF_CHECK_EQ(machash_expire(mh, 105), 0);
	ATF_CHECK_EQ(machash_count(mh), 10);
	/* At t=108, entries 0..2 are older than 5 s. */
	ATF_CHECK_EQ(machash_expire(mh, 108), 3);
	ATF_CHECK_EQ(machash_count(mh), 7);
	ATF_CHECK_EQ(machash_expire(mh, 108), 0);
	for (i = 0; i < 10; i++) {
		mac_of(m, i);
		ATF_CHECK_EQ(machash_lookup(mh, VID, m, 108),
		    i < 3 ? MACHASH_NONE : (int)i);
	}
	ATF_CHECK_EQ(machash_expire(mh, 1000), 7);
	ATF_CHECK_EQ(machash_count(mh), 0);
	/* A removed address is new again. */
	mac_of(m, 0);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 3, 1000, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_count(mh), 1);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(forget_port_removes_only_that_port);
ATF_TC_BODY(forget_port_removes_only_that_port, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i;

	mh = table(64, MAX_AGE);
	/* 12 addresses over ports 0, 1 and 2. */
	for (i = 0; i < 12; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ(machash_learn(mh, VID, m, i % 3, 100, 0),
		    MACHASH_ADDED);
	}
	machash_forget_port(mh, 1);
	ATF_CHECK_EQ(machash_count(mh), 8);
	for (i = 0; i < 12; i++) {
		mac_of(m, i);
		ATF_CHECK_EQ(machash_lookup(mh, VID, m, 100),
		    i % 3 == 1 ? MACHASH_NONE : (int)(i % 3));
	}
	/* A port with no entries: nothing changes. */
	machash_forget_port(mh, 5);
	ATF_CHECK_EQ(machash_count(mh), 8);
	/* A forgotten address is new again. */
	mac_of(m, 1);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 101, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_count(mh), 9);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(walk_visits_each_live_entry_once);
ATF_TC_BODY(walk_visits_each_live_entry_once, tc)
{
	struct machash *mh;
	struct seen want[6];
	struct walk_state ws;
	uint8_t m[6];
	int i;

	mh = table(16, 10);
	memset(&ws, 0, sizeof(ws));
	machash_walk(mh, walk_cb, &ws);
	ATF_CHECK_EQ(ws.calls, 0);

	memset(want, 0, sizeof(want));
	for (i = 0; i < 6; i++) {
		mac_of(want[i].mac, 100 + i);
		want[i].port = 10 + i;
		want[i].seen = 200 + i;
		ATF_REQUIRE_EQ(machash_learn(mh, VID, want[i].mac, want[i].port,
		    want[i].seen, 0), MACHASH_ADDED);
	}
	/* Aged out and expired: not walked. */
	mac_of(m, 99);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, m, 1, 150, 0), MACHASH_ADDED);
	ATF_REQUIRE_EQ(machash_expire(mh, 205), 1);
	/* Moved: walked once, on the new port, with the new time. */
	ATF_REQUIRE_EQ(machash_learn(mh, VID, want[2].mac, 42, 205, 0),
	    MACHASH_MOVED);
	want[2].port = 42;
	want[2].seen = 205;

	ws.want = want;
	ws.nwant = 6;
	machash_walk(mh, walk_cb, &ws);
	ATF_CHECK_EQ(ws.calls, 6);
	ATF_CHECK_EQ(ws.unknown, 0);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(want[i].visits, 1, "entry %d visited %d "
		    "times", i, want[i].visits);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(many_macs_all_found);
ATF_TC_BODY(many_macs_all_found, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i, bad;

	mh = table(MANY_CAP, MAX_AGE);
	for (i = 0; i < MANY; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ_MSG(machash_learn(mh, VID, m, i % 251, 1000, 0),
		    MACHASH_ADDED, "address %u not added", i);
	}
	ATF_CHECK_EQ(machash_count(mh), MANY);
	bad = 0;
	for (i = 0; i < MANY; i++) {
		mac_of(m, i);
		if (machash_lookup(mh, VID, m, 1000 + MAX_AGE) != (int)(i % 251))
			bad++;
	}
	ATF_CHECK_EQ_MSG(bad, 0, "%u of %d addresses not found", bad, MANY);
	/* Addresses never learned are not found. */
	bad = 0;
	for (i = MANY; i < 2 * MANY; i++) {
		mac_of(m, i);
		if (machash_lookup(mh, VID, m, 1000) != MACHASH_NONE)
			bad++;
	}
	ATF_CHECK_EQ_MSG(bad, 0, "%u unknown addresses found", bad);
	/* Relearning each one is a refresh; nothing is added. */
	bad = 0;
	for (i = 0; i < MANY; i++) {
		mac_of(m, i);
		if (machash_learn(mh, VID, m, i % 251, 1001, 0) != MACHASH_REFRESHED)
			bad++;
	}
	ATF_CHECK_EQ(bad, 0);
	ATF_CHECK_EQ(machash_count(mh), MANY);
	ATF_CHECK_EQ(machash_expire(mh, 1001 + MAX_AGE + 1), MANY);
	ATF_CHECK_EQ(machash_count(mh), 0);
	machash_free(mh);
}

/*
 * Addresses that differ in a single byte, at each of the six positions,
 * are told apart; enough of them share a chain to show it.
 */
ATF_TC_WITHOUT_HEAD(macs_differing_in_one_byte_are_distinct);
ATF_TC_BODY(macs_differing_in_one_byte_are_distinct, tc)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };
	struct machash *mh;
	uint8_t m[6];
	uint32_t bad;
	int p, v;

	mh = table(2048, MAX_AGE);
	ATF_REQUIRE_EQ(machash_learn(mh, VID, base, 0, 100, 0), MACHASH_ADDED);
	for (p = 0; p < 6; p++)
		for (v = 1; v < 256; v++) {
			memcpy(m, base, 6);
			m[p] ^= v;
			ATF_REQUIRE_EQ_MSG(machash_learn(mh, VID, m, p * 256 + v,
			    100, 0), MACHASH_ADDED, "byte %d ^ %#x", p, v);
		}
	ATF_CHECK_EQ(machash_count(mh), 1 + 6 * 255);
	bad = machash_lookup(mh, VID, base, 100) != 0;
	for (p = 0; p < 6; p++)
		for (v = 1; v < 256; v++) {
			memcpy(m, base, 6);
			m[p] ^= v;
			if (machash_lookup(mh, VID, m, 100) != p * 256 + v)
				bad++;
		}
	ATF_CHECK_EQ_MSG(bad, 0, "%u addresses on the wrong port", bad);
	machash_free(mh);
}

ATF_TC_WITHOUT_HEAD(fill_to_capacity_then_full);
ATF_TC_BODY(fill_to_capacity_then_full, tc)
{
	struct machash *mh;
	uint8_t m[6];
	uint32_t i, bad;

	mh = table(MANY_CAP, MAX_AGE);
	for (i = 0; i < MANY_CAP; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ_MSG(machash_learn(mh, VID, m, i % 7, 100, 0),
		    MACHASH_ADDED, "address %u not added", i);
	}
	ATF_CHECK_EQ(machash_count(mh), MANY_CAP);
	mac_of(m, MANY_CAP);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 100, 0), MACHASH_FULL);
	bad = 0;
	for (i = 0; i < MANY_CAP; i++) {
		mac_of(m, i);
		if (machash_lookup(mh, VID, m, 100) != (int)(i % 7))
			bad++;
	}
	ATF_CHECK_EQ_MSG(bad, 0, "%u addresses not found", bad);
	machash_free(mh);
}

/*
 * Issue 12: one guest inventing source addresses filled the table, and
 * guests that came after were never learned.
 */
ATF_TC_WITHOUT_HEAD(limit_per_port_keeps_room_for_others);
ATF_TC_BODY(limit_per_port_keeps_room_for_others, tc)
{
	struct machash *mh = table(64, MAX_AGE);
	uint8_t m[6];
	uint32_t i;

	for (i = 0; i < 100; i++) {
		mac_of(m, i);
		ATF_REQUIRE_EQ(machash_learn(mh, VID, m, 1, 100, 16),
		    i < 16 ? MACHASH_ADDED : MACHASH_LIMIT);
	}
	ATF_CHECK_EQ(machash_port_count(mh, 1), 16);
	ATF_CHECK_EQ(machash_count(mh), 16);
	/* Another port still learns, and may not be robbed of its MAC. */
	mac_of(m, 1000);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 2, 100, 16), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 100, 16), MACHASH_LIMIT);
	ATF_CHECK_EQ(machash_lookup(mh, VID, m, 100), 2);
	/* What it knows it refreshes; once one goes, a new one fits. */
	mac_of(m, 3);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 101, 16), MACHASH_REFRESHED);
	machash_forget_port(mh, 2);
	mac_of(m, 1000);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 101, 16), MACHASH_LIMIT);
	ATF_CHECK_EQ(machash_learn(mh, VID, m, 1, 101, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_port_count(mh, 1), 17);
	ATF_CHECK_EQ(machash_port_count(mh, 2), 0);
	machash_free(mh);
}

static void
vid_cb(uint16_t vid, const uint8_t *mac, int port, time_t seen, void *arg)
{
	int *ports = arg;

	(void)mac;
	(void)seen;
	if (vid == 10 || vid == 20)
		ports[vid / 10 - 1] = port;
}

ATF_TC_WITHOUT_HEAD(same_mac_two_vlans_two_entries);
ATF_TC_BODY(same_mac_two_vlans_two_entries, tc)
{
	struct machash *mh;
	uint8_t a[6];
	int ports[2] = { -1, -1 };

	mh = table(16, MAX_AGE);
	mac_of(a, 1);
	ATF_CHECK_EQ(machash_learn(mh, 10, a, 1, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_learn(mh, 20, a, 2, 100, 0), MACHASH_ADDED);
	ATF_CHECK_EQ(machash_count(mh), 2);
	ATF_CHECK_EQ(machash_lookup(mh, 10, a, 100), 1);
	ATF_CHECK_EQ(machash_lookup(mh, 20, a, 100), 2);
	ATF_CHECK_EQ(machash_lookup(mh, 30, a, 100), MACHASH_NONE);
	machash_walk(mh, vid_cb, ports);
	ATF_CHECK_EQ(ports[0], 1);
	ATF_CHECK_EQ(ports[1], 2);
	/* Learning it again in one VLAN moves nothing in the other. */
	ATF_CHECK_EQ(machash_learn(mh, 10, a, 3, 101, 0), MACHASH_MOVED);
	ATF_CHECK_EQ(machash_lookup(mh, 20, a, 101), 2);
	machash_forget_port(mh, 2);
	ATF_CHECK_EQ(machash_lookup(mh, 20, a, 101), MACHASH_NONE);
	ATF_CHECK_EQ(machash_lookup(mh, 10, a, 101), 3);
	machash_free(mh);
}

/*
 * The owners table keys IPv6 addresses by SipHash-2-4 (switch.c): the
 * reference vectors of the paper, key 00..0f, message 00..len-1.
 */
ATF_TC_WITHOUT_HEAD(siphash_reference_vectors);
ATF_TC_BODY(siphash_reference_vectors, tc)
{
	static const struct {
		size_t		len;
		uint64_t	want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 7, 0xab0200f58b01d137ULL },
		{ 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL },
		{ 16, 0x3f2acc7f57c29bdbULL },
	};
	uint8_t key[16], msg[16];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(siphash(key, msg, v[i].len), v[i].want,
		    "%zu bytes", v[i].len);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, siphash_reference_vectors);
	ATF_TP_ADD_TC(tp, limit_per_port_keeps_room_for_others);
	ATF_TP_ADD_TC(tp, learn_new_mac_is_added);
	ATF_TP_ADD_TC(tp, lookup_unknown_mac_is_none);
	ATF_TP_ADD_TC(tp, learn_same_port_refreshes);
	ATF_TP_ADD_TC(tp, learn_moves_entry_to_new_port);
	ATF_TP_ADD_TC(tp, lookup_honours_max_age_boundary);
	ATF_TP_ADD_TC(tp, refresh_resets_age);
	ATF_TP_ADD_TC(tp, move_resets_age);
	ATF_TP_ADD_TC(tp, learn_when_full_is_refused);
	ATF_TP_ADD_TC(tp, expire_frees_room_for_learning);
	ATF_TP_ADD_TC(tp, learn_when_full_reclaims_aged_entries);
	ATF_TP_ADD_TC(tp, expire_removes_only_aged_entries);
	ATF_TP_ADD_TC(tp, forget_port_removes_only_that_port);
	ATF_TP_ADD_TC(tp, walk_visits_each_live_entry_once);
	ATF_TP_ADD_TC(tp, many_macs_all_found);
	ATF_TP_ADD_TC(tp, macs_differing_in_one_byte_are_distinct);
	ATF_TP_ADD_TC(tp, fill_to_capacity_then_full);
	ATF_TP_ADD_TC(tp, same_mac_two_vlans_two_entries);

	return (atf_no_error());
}
