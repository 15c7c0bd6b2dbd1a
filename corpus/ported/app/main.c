/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry point: argument parsing, library initialisation and the final
 * report. Usage: app [--bench N]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uk/essentials.h>
#include <uk/alloc.h>
#include <uk/console.h>
#include <uk/workq.h>
#include <ramfs/ramfs.h>
#include <kvs/kvs.h>
#include <app/app.h>
#include <flexos/isolation.h>

#define APP_LINE_MAX 160

static const char app_libinfo[] __used __section(".uk_libinfo") = "app 1.0";

/* Every line is formatted here and then handed to the console, which
 * reads it: shared.
 */
static char app_line[APP_LINE_MAX] __attribute__((flexos_whitelist));

void app_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app_line, sizeof(app_line), fmt, ap);
	va_end(ap);
	flexos_gate(libukconsole, uk_console_log, UK_LOG_INFO, app_line);
}

void app_out(const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(app_line, sizeof(app_line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((__sz)len >= sizeof(app_line))
		len = (int)sizeof(app_line) - 1;
	flexos_gate(libukconsole, uk_console_write, app_line, (__sz)len);
}

static void __noreturn usage(const char *prog)
{
	app_out("usage: %s [--bench ITERATIONS]\n", prog);
	exit(2);
}

int app_init(void)
{
	int rc;

	flexos_gate_r(libramfs, rc, ramfs_init);
	if (rc < 0)
		return rc;
	flexos_gate_r(libkvs, rc, kvs_init, APP_BUCKETS);
	if (rc < 0)
		return rc;
	flexos_gate_r(libramfs, rc, ramfs_mkdir,
		      FLEXOS_SHARED_LITERAL("/snap"));
	if (rc < 0 && rc != -EEXIST)
		return rc;
	flexos_gate_r(libramfs, rc, ramfs_mkdir,
		      FLEXOS_SHARED_LITERAL("/data"));
	if (rc < 0 && rc != -EEXIST)
		return rc;
	return 0;
}

/* Heap and work queue summary after a normal run. */
static void report(void)
{
	/* Filled in by ukalloc and uklock. */
	__attribute__((flexos_whitelist)) struct uk_alloc_stats tot;
	struct uk_workq_stats wst __attribute__((flexos_whitelist));
	int nheaps;

	flexos_gate(libkvs, kvs_publish_stats);
	flexos_gate(libramfs, ramfs_publish_stats);
	flexos_gate(libukalloc, uk_alloc_dump);
	flexos_gate_r(libukalloc, nheaps, uk_alloc_total, &tot);
	app_info("app: %d heaps, %llu allocs, %llu frees, %llu bytes in use",
		 nheaps, (unsigned long long)tot.nallocs,
		 (unsigned long long)tot.nfrees,
		 (unsigned long long)tot.cur_bytes);
	flexos_gate(libuklock, uk_workq_stats, &wst);
	app_info("app: work queue %llu posted, %llu executed, %u pending",
		 (unsigned long long)wst.posted,
		 (unsigned long long)wst.executed, wst.pending);
}

int main(int argc, char *argv[])
{
	struct app_result res;
	unsigned long iterations = 0;
	char *end;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--bench") == 0) {
		iterations = strtoul(argv[2], &end, 10);
		if (*end != '\0' || iterations == 0 || iterations > 100000)
			usage(argv[0]);
	} else if (argc != 1) {
		usage(argv[0]);
	}

	rc = app_init();
	if (rc < 0) {
		app_out("app: initialisation failed (%d)\n", rc);
		return 1;
	}
	if (iterations > 0)
		return app_bench((unsigned int)iterations) < 0 ? 1 : 0;

	app_info("app: flexos corpus workload, seed 0x%llx",
		 (unsigned long long)APP_SEED);
	rc = app_workload_run(&res);
	if (rc < 0) {
		app_out("app: workload failed (%d)\n", rc);
		return 1;
	}
	report();
	app_out("checksum: 0x%016llx\n", (unsigned long long)res.checksum);
	return 0;
}
