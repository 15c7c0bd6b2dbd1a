/*
 * The floor of the vmept design: a raw two-process round trip over shared memory, with nothing
 * of flexos in it. The parent writes a request word, the forked child (the other "VM") sees it,
 * answers, and the parent sees the answer. Waiting is the vmept runtime's own policy without its
 * futex sleep: spin with a pause, and a sched_yield every 16 rounds once PURE_SPIN rounds have
 * passed (on a machine with fewer free cores than processes, pure spinning would measure the
 * scheduler's time slice instead). Best of 7 runs, like gatebench.
 * Usage: pingpong [scale]; prints `raw-shm-pingpong  <ns> ns  <cycles> cycles`.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define PURE_SPIN 512

struct channel {
	volatile unsigned long request;
	char pad[56];
	volatile unsigned long reply;
};

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void wait_for(volatile unsigned long *word, unsigned long value)
{
	for (unsigned long round = 0; *word != value; round++) {
		_mm_pause();
		if (round >= PURE_SPIN && (round & 15) == 0)
			sched_yield();
	}
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1;
	long iters = (long)(200000 * (scale > 0 ? scale : 1)) + 1;
	struct channel *ch = mmap(NULL, sizeof(*ch), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ch == MAP_FAILED) {
		perror("pingpong: mmap");
		return 1;
	}
	ch->request = ch->reply = 0;
	pid_t child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		for (unsigned long n = 1;; n++) {
			wait_for(&ch->request, n);
			ch->reply = n;
		}
	}
	double t_cal = now_ns();
	unsigned long long c_cal = __rdtsc();
	while (now_ns() - t_cal < 2e7)
		;
	double tsc_per_ns = (double)(__rdtsc() - c_cal) / (now_ns() - t_cal);
	double best_ns = 1e30, best_tsc = 1e30;
	unsigned long n = 0;
	for (int rep = 0; rep < 7; rep++) {
		double t0 = now_ns();
		unsigned long long c0 = __rdtsc();
		for (long i = 0; i < iters; i++) {
			ch->request = ++n;
			wait_for(&ch->reply, n);
		}
		unsigned long long c1 = __rdtsc();
		double t1 = now_ns();
		if ((t1 - t0) / iters < best_ns)
			best_ns = (t1 - t0) / iters;
		if ((double)(c1 - c0) / iters < best_tsc)
			best_tsc = (double)(c1 - c0) / iters;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("pingpong: TSC %.2f GHz\n", tsc_per_ns);
	printf("%-20s %10.2f ns %10.1f cycles\n", "raw-shm-pingpong", best_ns, best_tsc);
	return 0;
}
