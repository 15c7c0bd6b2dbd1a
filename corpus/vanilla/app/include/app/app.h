/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Declarations shared by the source files of the application. Only main()
 * is exported (see exportsyms.uk).
 */
#ifndef __APP_APP_H__
#define __APP_APP_H__

#include <uk/essentials.h>

#define APP_SEED       0x5eed1e55ULL
#define APP_KEYSPACE   4000u   /* keys are "user:00000" .. "user:03999" */
#define APP_NPUTS      800u
#define APP_NGETS      1600u
#define APP_DEL_STRIDE 13u
#define APP_NLOG       200u
#define APP_BUCKETS    256u

enum app_op {
	APP_OP_PUT,
	APP_OP_GET,
	APP_OP_DEL,
	APP_OP_ITER,
	APP_OP_SNAPSHOT,
	APP_OP_RESTORE,
	APP_OP_FILEIO,
	APP_OP_COUNT
};

struct app_result {
	__u64 checksum;
	__u64 ops[APP_OP_COUNT];   /* operations performed, per type */
	__u64 ns[APP_OP_COUNT];    /* time spent, per type */
};

extern const char *const app_op_names[APP_OP_COUNT];

/* Initialise the libraries the workload uses (once per process). */
int app_init(void);

/* Run the workload once; prints progress at UK_LOG_INFO. Returns 0 or a
 * negative errno; the checksum only depends on the workload, never on
 * timing or on earlier runs.
 */
int app_workload_run(struct app_result *res);

/* Run the workload `iterations` times and print ops/s per operation type. */
int app_bench(unsigned int iterations);

/* Formatted console output: app_info() is subject to the log level,
 * app_out() always prints (include the newline yourself).
 */
void app_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void app_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* __APP_APP_H__ */
