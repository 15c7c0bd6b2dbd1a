/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/spinlock.h>
#include <uk/console.h>
#include <flexos/isolation.h>
#include "console_internal.h"

static const char ukconsole_libinfo[] __used __section(".uk_libinfo") =
	"ukconsole 1.0";

/* Read and written by other libraries directly, hence shared. */
__attribute__((flexos_whitelist)) int uk_console_loglevel = UK_LOG_INFO;

/* Keeps a line from being interleaved with another one. */
static struct uk_spinlock console_lock = UK_SPINLOCK_INITIALIZER;

void uk_console_lock(void)
{
	uk_spin_lock(&console_lock);
}

void uk_console_unlock(void)
{
	uk_spin_unlock(&console_lock);
}

void uk_console_emit(const char *buf, __sz len)
{
	ssize_t rc;

	while (len > 0) {
		rc = write(1, buf, len);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			/* Nowhere left to report the failure: drop output. */
			return;
		}
		buf += rc;
		len -= (__sz)rc;
	}
}

void uk_console_write(const char *buf, __sz len)
{
	uk_console_lock();
	uk_console_emit(buf, len);
	uk_console_unlock();
}

int uk_console_log(int level, const char *msg)
{
	if (level > uk_console_loglevel)
		return 0;
	uk_console_lock();
	uk_console_emit(msg, strlen(msg));
	uk_console_emit("\n", 1);
	uk_console_unlock();
	return 1;
}
