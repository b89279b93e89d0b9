/*
 * 802.1Q VLANs at the edge of the switch.  Inside, every frame is kept
 * untagged with the VLAN it belongs to (struct frame's vid); a port is
 * either an access port of one VLAN, whose frames are never tagged, or
 * a trunk, which carries its set of VLANs tagged and VLAN 1 untagged.
 * Tags are taken off as frames come in at a trunk and put on as they
 * go out of one (port.c), so that MAC learning, flooding and secure
 * mode see the same untagged frames whichever port they came from.
 */
#ifndef VKNETD_VLAN_H
#define VKNETD_VLAN_H

#include <stddef.h>
#include <stdint.h>

#define VLAN_TAG	4		/* bytes of an 802.1Q tag */
#define VLAN_NATIVE	1		/* untagged: the default socket's */
#define VLAN_MAX	4094
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8

struct vlan_set {
	uint8_t		bits[(VLAN_MAX + 8) / 8];
};

static inline int
vlan_member(const struct vlan_set *s, unsigned int vid)
{
	return (vid <= VLAN_MAX && (s->bits[vid / 8] >> (vid % 8) & 1));
}

int	vlan_set_parse(const char *, struct vlan_set *);
int	vlan_tagged(const uint8_t *frame, size_t len);
int	vlan_untag(const struct vlan_set *, uint8_t *frame, uint32_t *len,
	    uint16_t *vid);
void	vlan_tag(uint8_t tag[VLAN_TAG], uint16_t vid);

#endif
