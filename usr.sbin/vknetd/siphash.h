/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit digest
 * of short inputs that nobody without the key can steer.
 */
#ifndef VKNETD_SIPHASH_H
#define VKNETD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t	siphash(const uint8_t key[16], const uint8_t *, size_t);

#endif
