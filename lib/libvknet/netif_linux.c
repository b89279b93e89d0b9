/*
 * Interface configuration through rtnetlink, so that neither vknetd nor
 * vknet ever runs ip(8) or brctl(8).  Each request is built in a stack
 * buffer, sent on a fresh NETLINK_ROUTE socket and acknowledged before
 * we return; a kernel error comes back as errno.  Interface flags use
 * the classic SIOCGIFFLAGS/SIOCSIFFLAGS ioctls.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "netif.h"

#define NL_BUFSIZE	16384	/* a link's full description fits */

struct nlreq {
	struct nlmsghdr	hdr;
	char		buf[NL_BUFSIZE];
};

static void
nl_init(struct nlreq *req, uint16_t type, uint16_t flags, const void *body,
    size_t len)
{
	memset(req, 0, sizeof(*req));
	req->hdr.nlmsg_len = NLMSG_LENGTH(len);
	req->hdr.nlmsg_type = type;
	req->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	memcpy(NLMSG_DATA(&req->hdr), body, len);
}

static struct rtattr *
nl_attr(struct nlreq *req, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta;

	rta = (struct rtattr *)((char *)&req->hdr +
	    NLMSG_ALIGN(req->hdr.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(rta), data, len);
	req->hdr.nlmsg_len = NLMSG_ALIGN(req->hdr.nlmsg_len) +
	    RTA_ALIGN(rta->rta_len);
	return (rta);
}

/* Close a nested attribute opened with nl_attr(req, type, NULL, 0). */
static void
nl_nest_end(struct nlreq *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)&req->hdr +
	    req->hdr.nlmsg_len - (char *)nest);
}

/*
 * Send a request and read the kernel's answer.  For a request that
 * asks for data (reply != NULL) the first message of the answer is
 * copied to reply; otherwise the answer is the acknowledgement, whose
 * error code becomes errno.
 */
static int
nl_talk(struct nlreq *req, struct nlreq *reply)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlreq answer;
	struct nlmsghdr *h = &answer.hdr;
	ssize_t n;
	int s, error = EPROTO;

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return (-1);
	if (sendto(s, req, req->hdr.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1) {
		error = errno;
		goto out;
	}
	if ((n = recv(s, &answer, sizeof(answer), 0)) == -1) {
		error = errno;
		goto out;
	}
	if (!NLMSG_OK(h, (unsigned int)n))
		goto out;
	if (h->nlmsg_type == NLMSG_ERROR)
		error = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
	else if (reply != NULL) {
		memcpy(reply, &answer, (size_t)n);
		error = 0;
	}
out:
	close(s);
	errno = error;
	return (error == 0 ? 0 : -1);
}

static int
link_index(const char *ifname)
{
	unsigned int idx;

	if ((idx = if_nametoindex(ifname)) == 0)
		return (-1);
	if (idx > INT_MAX) {
		errno = ERANGE;
		return (-1);
	}
	return ((int)idx);
}

int
netif_exists(const char *ifname)
{
	return (if_nametoindex(ifname) != 0);
}

static int
ifflags(const char *ifname, struct ifreq *ifr, int *sp)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, ifname, sizeof(ifr->ifr_name) - 1);
	if ((*sp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (ioctl(*sp, SIOCGIFFLAGS, ifr) == -1) {
		close(*sp);
		return (-1);
	}
	return (0);
}

int
netif_is_up(const char *ifname)
{
	struct ifreq ifr;
	int s;

	if (ifflags(ifname, &ifr, &s) == -1)
		return (-1);
	close(s);
	return ((ifr.ifr_flags & IFF_UP) != 0);
}

int
netif_set_up(const char *ifname, int up)
{
	struct ifreq ifr;
	int s, rc, saved;

	if (ifflags(ifname, &ifr, &s) == -1)
		return (-1);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	saved = errno;
	close(s);
	errno = saved;
	return (rc);
}

int
netif_mac(const char *ifname, unsigned char mac[6])
{
	struct ifreq ifr;
	int s, rc, saved;

	if (ifflags(ifname, &ifr, &s) == -1)
		return (-1);
	if ((rc = ioctl(s, SIOCGIFHWADDR, &ifr)) == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	saved = errno;
	close(s);
	errno = saved;
	return (rc);
}

/*
 * The bridge an interface belongs to, from IFLA_MASTER.  (Not from
 * /sys/class/net: in a network namespace made without a new mount
 * namespace, /sys still describes the namespace it was mounted in.)
 */
int
netif_master(const char *ifname, char master[IFNAMSIZ])
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq req, reply;
	struct rtattr *rta;
	unsigned int len;
	int midx;

	master[0] = '\0';
	if ((ifi.ifi_index = link_index(ifname)) == -1)
		return (-1);
	nl_init(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	req.hdr.nlmsg_flags = NLM_F_REQUEST;
	if (nl_talk(&req, &reply) == -1)
		return (-1);
	if (reply.hdr.nlmsg_type != RTM_NEWLINK ||
	    reply.hdr.nlmsg_len < NLMSG_LENGTH(sizeof(ifi))) {
		errno = EPROTO;
		return (-1);
	}
	rta = IFLA_RTA(NLMSG_DATA(&reply.hdr));
	len = IFLA_PAYLOAD(&reply.hdr);
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFLA_MASTER ||
		    RTA_PAYLOAD(rta) < sizeof(midx))
			continue;
		memcpy(&midx, RTA_DATA(rta), sizeof(midx));
		if (midx != 0 && if_indextoname((unsigned int)midx,
		    master) == NULL)
			return (-1);
	}
	return (0);
}

int
netif_set_master(const char *ifname, const char *master)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq req;
	int idx, midx = 0;

	if ((idx = link_index(ifname)) == -1)
		return (-1);
	if (master != NULL && (midx = link_index(master)) == -1)
		return (-1);
	ifi.ifi_index = idx;
	nl_init(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_attr(&req, IFLA_MASTER, &midx, sizeof(midx));
	return (nl_talk(&req, NULL));
}

int
netif_bridge_create(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq req;
	struct rtattr *linkinfo;

	if (strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi,
	    sizeof(ifi));
	nl_attr(&req, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_attr(&req, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req, IFLA_INFO_KIND, "bridge", sizeof("bridge"));
	nl_nest_end(&req, linkinfo);
	return (nl_talk(&req, NULL));
}

int
netif_delete(const char *ifname)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq req;

	if ((ifi.ifi_index = link_index(ifname)) == -1)
		return (-1);
	nl_init(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return (nl_talk(&req, NULL));
}

static int
addr_request(uint16_t type, uint16_t flags, const char *ifname,
    struct in_addr addr, int prefixlen)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct in_addr brd;
	struct nlreq req;
	int idx;
	uint32_t hostmask;

	if ((idx = link_index(ifname)) == -1)
		return (-1);
	ifa.ifa_index = (uint32_t)idx;
	ifa.ifa_prefixlen = (unsigned char)prefixlen;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	hostmask = prefixlen >= 32 ? 0 : 0xffffffffU >> prefixlen;
	brd.s_addr = addr.s_addr | htonl(hostmask);
	nl_init(&req, type, flags, &ifa, sizeof(ifa));
	nl_attr(&req, IFA_LOCAL, &addr, sizeof(addr));
	nl_attr(&req, IFA_ADDRESS, &addr, sizeof(addr));
	if (prefixlen < 31)
		nl_attr(&req, IFA_BROADCAST, &brd, sizeof(brd));
	return (nl_talk(&req, NULL));
}

int
netif_addr_add(const char *ifname, struct in_addr addr, int prefixlen)
{
	return (addr_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname,
	    addr, prefixlen));
}

int
netif_addr_del(const char *ifname, struct in_addr addr, int prefixlen)
{
	return (addr_request(RTM_DELADDR, 0, ifname, addr, prefixlen));
}

/*
 * IPv6 addresses are added without duplicate address detection: the
 * address is the host's by configuration, and a tentative address
 * would leave the host deaf on it for a second after start-up.
 */
static int
addr6_request(uint16_t type, uint16_t flags, const char *ifname,
    const struct in6_addr *addr, int prefixlen)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6 };
	uint32_t aflags = IFA_F_NODAD;
	struct nlreq req;
	int idx;

	if ((idx = link_index(ifname)) == -1)
		return (-1);
	ifa.ifa_index = (uint32_t)idx;
	ifa.ifa_prefixlen = (unsigned char)prefixlen;
	ifa.ifa_flags = IFA_F_NODAD;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	nl_init(&req, type, flags, &ifa, sizeof(ifa));
	nl_attr(&req, IFA_LOCAL, addr, sizeof(*addr));
	nl_attr(&req, IFA_ADDRESS, addr, sizeof(*addr));
	nl_attr(&req, IFA_FLAGS, &aflags, sizeof(aflags));
	return (nl_talk(&req, NULL));
}

int
netif_addr6_add(const char *ifname, const struct in6_addr *addr,
    int prefixlen)
{
	return (addr6_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname,
	    addr, prefixlen));
}

int
netif_addr6_del(const char *ifname, const struct in6_addr *addr,
    int prefixlen)
{
	return (addr6_request(RTM_DELADDR, 0, ifname, addr, prefixlen));
}
