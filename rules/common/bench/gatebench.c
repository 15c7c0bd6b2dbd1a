/*
 * gatebench — cost of one gate round trip under each runtime, measured in the same run:
 * a direct call, flexos_nop_gate_r, flexos_vmept_gate_r (RPC to another process),
 * flexos_intelpku_gate_r (only in a build with GATEBENCH_PKU, which needs a CPU with PKU), a
 * getppid() system call; the vmept gate and its floor, a raw two-process ping-pong over shared
 * memory with no checks, in alternating bursts (vmept_paired below); plus what sharing 1/2/3 stack buffers costs per call under the heap
 * strategy (shared malloc + free each) and under DSS (the alias pointer).
 * Built by build.sh beside it; `gatebench [scale] [name]` (iterations × scale, default 1; only
 * the measurement called name when given) prints one line per measurement (vmept-paired only
 * where the process may use two CPUs or more):
 *   <name> <ns per operation> ns <TSC ticks per operation> cycles
 * Each figure is the best of 7 runs (loop overhead included; compare with direct-call).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <x86intrin.h>

#include <flexos/isolation.h>

#ifdef GATEBENCH_PKU
#define GATEBENCH_MECH2 FLEXOS_MECH_INTELPKU
#else
#define GATEBENCH_MECH2 FLEXOS_MECH_FCALLS
#endif

FLEXOS_COMPARTMENTS_BEGIN
FLEXOS_COMPARTMENT(0, "bench", FLEXOS_MECH_FCALLS)
FLEXOS_COMPARTMENT(1, "rpc", FLEXOS_MECH_VMEPT)
FLEXOS_COMPARTMENT(2, "mpk", GATEBENCH_MECH2)
FLEXOS_COMPARTMENTS_END

__attribute__((noinline)) int bench_inc(int x)
{
	__asm__ volatile("");
	return x + 1;
}

/* What the rewrite would generate: bench_inc is entry 0 of compartments 1 and 2, entered from
 * compartment 0 (flexos/entries.h, written by build.sh, has __flexos_entry_bench_inc = 0). */
static const struct flexos_entry bench_entries[] = {
	{ (uint64_t)(uintptr_t)bench_inc, "bench_inc", 0x1, 1, 0 },
};
const struct flexos_entry_table flexos_entry_tables[FLEXOS_NUM_COMPARTMENTS] = {
	[1] = { bench_entries, 1 },
	[2] = { bench_entries, 1 },
};
extern const struct flexos_mechanism flexos_mechanism_vmept, flexos_mechanism_intelpku;
static const struct flexos_mechanism bench_fcalls = { .id = FLEXOS_MECH_FCALLS, .driver = "fcalls" };
const struct flexos_mechanism *const flexos_mechanisms[] = {
	&bench_fcalls, &flexos_mechanism_intelpku, &flexos_mechanism_vmept, 0,
};

/* The floor of the vmept design, for the paired measurement: a request word and a reply word
 * on lines 128 bytes apart (as the runtime's slots are), pure spinning with a pause, nothing
 * else. The child sleeps only between bursts, parked by the parent, so it never competes with
 * the vmept compartment for a CPU while that one is measured. */
struct spinfloor {
	volatile uint64_t request;
	char pad1[120];
	volatile uint64_t reply;
	char pad2[120];
	volatile uint32_t park; /* 1: sleep until 0; 2: exit */
} __attribute__((aligned(128)));

static struct spinfloor *sf;
static uint64_t sf_seq;

__attribute__((constructor(201))) static void spinfloor_fork(void)
{
	struct spinfloor *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	p->park = 1;
	if (fork() == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives gatebench, however it ends */
		for (uint64_t n = 1;; n++) {
			while (p->request != n) {
				uint32_t park = p->park;
				if (park == 2)
					_exit(0);
				if (park == 1)
					syscall(SYS_futex, &p->park, FUTEX_WAIT, 1, NULL, NULL, 0);
				else
					_mm_pause();
			}
			p->reply = n;
		}
	}
	sf = p;
}

static void spinfloor_round_trip(void)
{
	sf->request = ++sf_seq;
	while (sf->reply != sf_seq)
		_mm_pause();
}

static void spinfloor_park(uint32_t how)
{
	__atomic_store_n(&sf->park, how, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &sf->park, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static volatile long sink;

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double tsc_per_ns;

static const char *only; /* argv[2]: the one measurement to run */
static int measured;

#define MEASURE(name, iters, ...)                                                               \
	do {                                                                                     \
		if (only && strcmp(only, name) != 0)                                             \
			break;                                                                   \
		double best_ns = 1e30, best_tsc = 1e30;                                          \
		for (int rep = 0; rep < 7; rep++) {                                              \
			double t0 = now_ns();                                                    \
			unsigned long long c0 = __rdtsc();                                       \
			for (long i = 0; i < (iters); i++) {                                     \
				__VA_ARGS__;                                                     \
			}                                                                        \
			unsigned long long c1 = __rdtsc();                                       \
			double t1 = now_ns();                                                    \
			if ((t1 - t0) / (iters) < best_ns)                                       \
				best_ns = (t1 - t0) / (iters);                                   \
			if ((double)(c1 - c0) / (iters) < best_tsc)                              \
				best_tsc = (double)(c1 - c0) / (iters);                          \
		}                                                                                \
		printf("%-20s %10.2f ns %10.1f cycles\n", name, best_ns, best_tsc);              \
		measured++;                                                                      \
		fflush(stdout);                                                                  \
	} while (0)

/*
 * The vmept gate against its floor in alternating bursts in one process: where the host puts
 * the two CPUs (and so what a cache line costs to move between them) changes from one second to
 * the next, by up to 10x here, so separate runs of the two compare different machines. Each
 * burst pair is measured under one placement; what is printed is the median pair by ratio (its
 * gate and floor figures and their ratio) and the quartiles of the pairs' ratios. Returns the
 * number of gates run (x counts them).
 */
#define PAIRS 60
/* Warm-up before each burst: at least this long, so that the other side's partner, which spins
 * a while (the compartment: 4096 pauses, ~125 us here) before it sleeps, has stopped competing
 * for the CPU; the other CPU is kept busy throughout, which keeps the host from moving it. */
#define PAIR_WARM_NS 400000.0
static long vmept_paired(long burst, int *counter)
{
	int x = *counter;
	double gate_ns[PAIRS], gate_tsc[PAIRS], floor_ns[PAIRS], floor_tsc[PAIRS], ratio[PAIRS];
	long gates = 0;
	for (int k = 0; k < PAIRS; k++) {
		for (double w = now_ns(); now_ns() - w < PAIR_WARM_NS; gates++)
			flexos_vmept_gate_r(0, 1, x, bench_inc, x);
		double t0 = now_ns();
		unsigned long long c0 = __rdtsc();
		for (long i = 0; i < burst; i++, gates++)
			flexos_vmept_gate_r(0, 1, x, bench_inc, x);
		unsigned long long c1 = __rdtsc();
		double t1 = now_ns();
		gate_ns[k] = (t1 - t0) / burst;
		gate_tsc[k] = (double)(c1 - c0) / burst;
		spinfloor_park(0);
		for (double w = now_ns(); now_ns() - w < PAIR_WARM_NS;)
			spinfloor_round_trip();
		t0 = now_ns();
		c0 = __rdtsc();
		for (long i = 0; i < burst; i++)
			spinfloor_round_trip();
		c1 = __rdtsc();
		t1 = now_ns();
		spinfloor_park(1);
		floor_ns[k] = (t1 - t0) / burst;
		floor_tsc[k] = (double)(c1 - c0) / burst;
		ratio[k] = gate_ns[k] / floor_ns[k];
		if (getenv("GATEBENCH_PAIRS")) /* every pair on stderr, to see the placements change */
			fprintf(stderr, "pair %2d: vmept %8.1f ns, floor %8.1f ns, ratio %.2f\n", k, gate_ns[k], floor_ns[k], ratio[k]);
	}
	/* the median pair (by ratio; the lower middle one): its own figures, so that gate / floor
	 * is the ratio printed (medians of each over all pairs would mix placements) */
	int order[PAIRS];
	for (int k = 0; k < PAIRS; k++)
		order[k] = k;
	for (int i = 1; i < PAIRS; i++)
		for (int j = i; j > 0 && ratio[order[j - 1]] > ratio[order[j]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	int m = order[(PAIRS - 1) / 2];
	printf("%-20s %10.2f ns %10.1f cycles\n", "vmept-paired", gate_ns[m], gate_tsc[m]);
	printf("%-20s %10.2f ns %10.1f cycles\n", "spin-floor-paired", floor_ns[m], floor_tsc[m]);
	printf("%-20s %10.3f ratio\n", "vmept-paired-ratio", ratio[m]);
	printf("%-20s %10.3f ratio\n", "vmept-paired-q1", ratio[order[PAIRS / 4]]);
	printf("%-20s %10.3f ratio\n", "vmept-paired-q3", ratio[order[(3 * PAIRS) / 4]]);
	fflush(stdout);
	*counter = x;
	return gates;
}

/* What a measurement that counts x up adds to the expected count: nothing when it did not run. */
static long counted(const char *name, long n)
{
	return only && strcmp(only, name) != 0 ? 0 : n;
}

static void calibrate(void)
{
	double t0 = now_ns();
	unsigned long long c0 = __rdtsc();
	while (now_ns() - t0 < 2e7)
		;
	tsc_per_ns = (double)(__rdtsc() - c0) / (now_ns() - t0);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1; /* iterations multiplier (QEMU: 0.05) */
	int x = 0, expected = 0;
	if (!(scale > 0))
		scale = 1;
	only = argc > 2 ? argv[2] : NULL;
#define N(n) ((long)((n) * scale) + 1)
	calibrate();
	printf("gatebench: sharing=%s, TSC %.2f GHz, intel-pku %s\n",
#if defined(FLEXOS_SHARING_DSS)
	       "dss",
#elif defined(FLEXOS_SHARING_HEAP)
	       "heap",
#else
	       "shared-stack",
#endif
	       tsc_per_ns,
#ifdef GATEBENCH_PKU
	       "on"
#else
	       "off (build with GATEBENCH_PKU on a CPU with PKU)"
#endif
	);

	MEASURE("direct-call", N(2000000), x = bench_inc(x));
	expected += counted("direct-call", 7 * N(2000000));
	MEASURE("nop-gate", N(2000000), flexos_nop_gate_r(0, 0, x, bench_inc, x));
	expected += counted("nop-gate", 7 * N(2000000));
	MEASURE("vmept-gate", N(20000), flexos_vmept_gate_r(0, 1, x, bench_inc, x));
	expected += counted("vmept-gate", 7 * N(20000));
	/* one CPU (the QEMU lane): a pure-spin floor would measure the scheduler's time slice */
	cpu_set_t cpus;
	int two_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
	if (only && strcmp(only, "vmept-paired") == 0 && !two_cpus) {
		fprintf(stderr, "gatebench: vmept-paired needs two CPUs or more (this process may use one)\n");
		return 2;
	}
	if (sf && two_cpus && (!only || strcmp(only, "vmept-paired") == 0)) {
		expected += vmept_paired(N(2000), &x);
		measured++;
	}
	if (sf)
		spinfloor_park(2);
#ifdef GATEBENCH_PKU
	MEASURE("intelpku-gate", N(200000), flexos_intelpku_gate_r(0, 2, x, bench_inc, x));
	expected += counted("intelpku-gate", 7 * N(200000));
#endif
	MEASURE("getppid-syscall", N(100000), sink += syscall(SYS_getppid));

	MEASURE("heap-conversion-1", N(1000000), {
		char *a = flexos_shared_malloc(64);
		a[0] = 1;
		sink += a[0];
		flexos_shared_free(a);
	});
	MEASURE("heap-conversion-2", N(1000000), {
		char *a = flexos_shared_malloc(64);
		char *b = flexos_shared_malloc(128);
		a[0] = 1, b[0] = 2;
		sink += a[0] + b[0];
		flexos_shared_free(b);
		flexos_shared_free(a);
	});
	MEASURE("heap-conversion-3", N(1000000), {
		char *a = flexos_shared_malloc(64);
		char *b = flexos_shared_malloc(128);
		char *c = flexos_shared_malloc(32);
		a[0] = 1, b[0] = 2, c[0] = 3;
		sink += a[0] + b[0] + c[0];
		flexos_shared_free(c);
		flexos_shared_free(b);
		flexos_shared_free(a);
	});
#if defined(FLEXOS_SHARING_DSS)
	MEASURE("dss-alias-3", N(1000000), {
		char a[64], b[128], c[32];
		char *pa = flexos_dss_ptr(a), *pb = flexos_dss_ptr(b), *pc = flexos_dss_ptr(c);
		pa[0] = 1, pb[0] = 2, pc[0] = 3;
		sink += pa[0] + pb[0] + pc[0];
	});
#endif
	if (only && !measured) {
		fprintf(stderr, "gatebench: no measurement called '%s' in this build\n", only);
		return 2;
	}
	if (x != expected) {
		printf("gatebench: wrong count %d, expected %d\n", x, expected);
		return 1;
	}
	return 0;
}
