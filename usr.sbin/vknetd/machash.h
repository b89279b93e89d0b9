/*
 * The MAC table: which port a unicast address was last seen on, in
 * each VLAN: the key is (VLAN, MAC), so the same address in two VLANs
 * is two entries.  Fixed capacity, allocated once; no allocation per
 * frame.
 */
#ifndef VKNETD_MACHASH_H
#define VKNETD_MACHASH_H

#include <stdint.h>
#include <time.h>

#define MACHASH_NONE	(-1)

enum machash_learned {
	MACHASH_REFRESHED,	/* known on this port; age reset */
	MACHASH_ADDED,
	MACHASH_MOVED,		/* was on another port */
	MACHASH_FULL,		/* no room: not learned */
	MACHASH_LIMIT		/* the port has its fill: not learned */
};

struct machash;

struct machash	*machash_new(uint32_t capacity, time_t max_age,
		    int maxports);
void		 machash_free(struct machash *);
enum machash_learned
		 machash_learn(struct machash *, uint16_t vid,
		    const uint8_t *mac, int port, time_t now, uint32_t limit);
uint32_t	 machash_port_count(const struct machash *, int port);
int		 machash_lookup(struct machash *, uint16_t vid,
		    const uint8_t *mac, time_t now);
void		 machash_forget_port(struct machash *, int port);
uint32_t	 machash_expire(struct machash *, time_t now);
uint32_t	 machash_count(const struct machash *);
void		 machash_walk(const struct machash *,
		    void (*)(uint16_t vid, const uint8_t *mac, int port,
		    time_t seen, void *), void *);

#endif
