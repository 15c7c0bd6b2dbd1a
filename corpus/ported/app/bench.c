/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark mode: the workload in a loop, with per-operation throughput.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/plat.h>
#include <uk/console.h>
#include <app/app.h>

int app_bench(unsigned int iterations)
{
	struct app_result run, sum;
	int saved = uk_console_loglevel, rc = 0, op;
	unsigned int i;
	__u64 rate;

	memset(&sum, 0, sizeof(sum));
	/* Keep the per-phase progress lines out of the measurement. */
	uk_console_loglevel = UK_LOG_WARN;
	for (i = 0; i < iterations; i++) {
		rc = app_workload_run(&run);
		if (rc < 0)
			break;
		/* Every iteration must compute the same thing. */
		if (i > 0 && run.checksum != sum.checksum) {
			rc = -EIO;
			break;
		}
		sum.checksum = run.checksum;
		for (op = 0; op < APP_OP_COUNT; op++) {
			sum.ops[op] += run.ops[op];
			sum.ns[op] += run.ns[op];
		}
	}
	uk_console_loglevel = saved;
	if (rc < 0) {
		app_out("bench: iteration %u failed (%d)\n", i, rc);
		return rc;
	}

	app_out("bench: %u iterations\n", iterations);
	for (op = 0; op < APP_OP_COUNT; op++) {
		rate = sum.ns[op] ? sum.ops[op] * UKPLAT_NSEC_PER_SEC /
			sum.ns[op] : 0;
		app_out("bench: %-8s %12llu ops/s (%llu ops in %llu ns)\n",
			app_op_names[op], (unsigned long long)rate,
			(unsigned long long)sum.ops[op],
			(unsigned long long)sum.ns[op]);
	}
	app_out("checksum: 0x%016llx\n", (unsigned long long)sum.checksum);
	return 0;
}
