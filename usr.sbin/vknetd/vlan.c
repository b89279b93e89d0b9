/*
 * VLAN sets and tags (vlan.h).
 */
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include <string.h>

#include "ether.h"
#include "vlan.h"

/*
 * "10,20,30-39": VLANs 2 to 4094, tagged on a trunk.  VLAN 1 is the
 * untagged one on every trunk and is not named.
 */
int
vlan_set_parse(const char *arg, struct vlan_set *s)
{
	char buf[256], *item, *save, *dash;
	const char *e1, *e2;
	long long lo, hi, v;

	memset(s, 0, sizeof(*s));
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		return (-1);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		e2 = NULL;
		if ((dash = strchr(item, '-')) != NULL)
			*dash = '\0';
		lo = strtonum(item, 2, VLAN_MAX, &e1);
		hi = dash != NULL ? strtonum(dash + 1, 2, VLAN_MAX, &e2) : lo;
		if (e1 != NULL || e2 != NULL || hi < lo)
			return (-1);
		for (v = lo; v <= hi; v++)
			s->bits[v / 8] |= (uint8_t)(1 << (v % 8));
	}
	return (item == NULL && buf[0] != '\0' ? 0 : -1);
}

/* Does the frame carry a tag of its own (802.1Q or 802.1ad)? */
int
vlan_tagged(const uint8_t *f, size_t len)
{
	return (len >= ETHER_HDR && (frame_ethertype(f) == ETHERTYPE_VLAN ||
	    frame_ethertype(f) == ETHERTYPE_QINQ));
}

/*
 * A frame that came in at a trunk: its VLAN, the tag taken off in
 * place.  Untagged and priority-tagged frames (VLAN 0) and VLAN 1 are
 * the untagged VLAN; -1 for a VLAN the trunk does not carry.
 */
int
vlan_untag(const struct vlan_set *s, uint8_t *f, uint32_t *len,
    uint16_t *vid)
{
	uint16_t v;

	*vid = VLAN_NATIVE;
	if (*len < ETHER_HDR + VLAN_TAG || frame_ethertype(f) != ETHERTYPE_VLAN)
		return (0);
	v = (uint16_t)((f[14] << 8 | f[15]) & 0x0fff);
	if (v > VLAN_NATIVE && !vlan_member(s, v))
		return (-1);
	if (v > VLAN_NATIVE)
		*vid = v;
	memmove(f + 2 * MAC_LEN, f + 2 * MAC_LEN + VLAN_TAG,
	    *len - 2 * MAC_LEN - VLAN_TAG);
	*len -= VLAN_TAG;
	return (0);
}

void
vlan_tag(uint8_t tag[VLAN_TAG], uint16_t vid)
{
	tag[0] = ETHERTYPE_VLAN >> 8;
	tag[1] = ETHERTYPE_VLAN & 0xff;
	tag[2] = (uint8_t)(vid >> 8 & 0x0f);
	tag[3] = (uint8_t)vid;
}
