/*
 * SipHash-2-4, written from the paper's description: two compression
 * rounds per 8-byte word, four finalisation rounds, the length in the
 * last word's top byte.
 */
#include "siphash.h"

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (v);
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static void
compress(uint64_t v[4], uint64_t m, int rounds)
{
	v[3] ^= m;
	while (rounds-- > 0)
		sipround(v);
	v[0] ^= m;
}

uint64_t
siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8), last;
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL
	};
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8)
		compress(v, le64(in + i), 2);
	last = (uint64_t)(len & 0xff) << 56;
	while (tail-- > 0)
		last |= (uint64_t)in[i + tail] << (8 * tail);
	compress(v, last, 2);
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	sipround(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}
