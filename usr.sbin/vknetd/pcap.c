/*
 * Capture files for "vknetd -c -w": the file itself, and the classic
 * pcap format.  A file whose name ends in ".pcapng" gets pcapng
 * instead (pcapng.c), which can say which port a frame came in on and
 * what became of it; everything else, "-" included, classic pcap,
 * which every reader knows.
 *
 * Classic pcap is a global header, then a header per record with its
 * time, the bytes captured and the length on the wire.  Both are
 * written in host byte order, which readers detect from the magic
 * number.  Microsecond time stamps are used rather than the nanosecond
 * variant because every reader knows them.
 *
 * "-" is standard output, so that "vknetd -c -w - | tcpdump -r -"
 * works.  When the output is not a regular file, each record is
 * flushed as it is written: the reader at the other end of the pipe
 * should see a frame when the switch does, not a buffer later.
 */
#include <sys/stat.h>

#include <string.h>

#include "pcap.h"
#include "pcapng.h"

#define PCAP_MAGIC	0xa1b2c3d4U	/* microsecond time stamps */
#define NG_SUFFIX	".pcapng"

struct pcap_file_header {
	uint32_t	magic;
	uint16_t	version_major;
	uint16_t	version_minor;
	int32_t		thiszone;
	uint32_t	sigfigs;
	uint32_t	snaplen;
	uint32_t	linktype;
};

struct pcap_rec_header {
	uint32_t	sec;
	uint32_t	usec;
	uint32_t	caplen;
	uint32_t	len;
};

static int
pcapng_named(const char *path)
{
	size_t n = strlen(path), s = strlen(NG_SUFFIX);

	return (n > s && strcmp(path + n - s, NG_SUFFIX) == 0);
}

int
pcap_open(struct pcap *pc, const char *path)
{
	struct pcap_file_header fh = {
		.magic = PCAP_MAGIC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = PCAP_SNAPLEN,
		.linktype = LINKTYPE_ETHERNET
	};
	struct stat sb;

	memset(pc, 0, sizeof(*pc));
	if (strcmp(path, "-") == 0)
		pc->fp = stdout;
	else if ((pc->fp = fopen(path, "we")) == NULL)
		return (-1);
	pc->flush = fstat(fileno(pc->fp), &sb) == -1 || !S_ISREG(sb.st_mode);
	pc->ng = pcapng_named(path);
	if (pc->ng ? pcapng_open(pc) == -1 :
	    fwrite(&fh, sizeof(fh), 1, pc->fp) != 1)
		return (-1);
	return (pc->flush && fflush(pc->fp) == EOF ? -1 : 0);
}

static int
pcap_record(struct pcap *pc, const struct vkmon_rec *r, const uint8_t *frame,
    size_t caplen)
{
	struct pcap_rec_header rh;

	rh.sec = (uint32_t)r->sec;
	rh.usec = r->nsec / 1000;
	rh.caplen = (uint32_t)caplen;
	rh.len = r->len;
	if (fwrite(&rh, sizeof(rh), 1, pc->fp) != 1 ||
	    (caplen != 0 && fwrite(frame, caplen, 1, pc->fp) != 1))
		return (-1);
	return (0);
}

int
pcap_write(struct pcap *pc, const struct vkmon_rec *r, const uint8_t *frame,
    size_t caplen)
{
	if (caplen > PCAP_SNAPLEN)
		caplen = PCAP_SNAPLEN;
	if ((pc->ng ? pcapng_write(pc, r, frame, caplen) :
	    pcap_record(pc, r, frame, caplen)) == -1 ||
	    (pc->flush && fflush(pc->fp) == EOF))
		return (-1);
	return (0);
}

int
pcap_close(struct pcap *pc)
{
	int rc;

	if (pc->fp == NULL)
		return (0);
	if (pc->ng)
		pcapng_close(pc);
	rc = pc->fp == stdout ? fflush(pc->fp) : fclose(pc->fp);
	pc->fp = NULL;
	return (rc == EOF ? -1 : 0);
}
