/*
 * What every poll loop here needs: signals that only interrupt the
 * wait, and a clock that does not jump.
 */
#ifndef VKNET_SIGNALS_H
#define VKNET_SIGNALS_H

#include <signal.h>

void		signals_catch(void (*)(int), sigset_t *waitmask,
		    const int *sigs);
long long	clock_ms(void);

#endif
