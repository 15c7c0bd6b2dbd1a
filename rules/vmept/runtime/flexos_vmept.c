/*
 * vmept runtime: processes, mailboxes and the RPC loop.
 *
 * Each process of the deployment (host 0 = the main process, which runs the default
 * compartment and every non-vmept compartment; host h ≥ 1 = one vmept compartment) has one
 * mailbox in shared memory. Execution is synchronous: exactly one process runs at a time, the
 * others wait on their mailbox, so a one-slot mailbox suffices. A message is a CALL (callee
 * compartment, function, six arguments, host to answer), a RETURN (value) or, to the main
 * process only, an EXIT (a compartment process called exit()). Waiting spins briefly, then
 * sleeps on a futex; the main process wakes up every 20 ms to notice a child that died.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <flexos/isolation.h>
#include <flexos/internal.h>

/* Waiting: up to FLEXOS_VMEPT_SPIN rounds (a pause each, ~13 ns here; from round
 * FLEXOS_VMEPT_PURE_SPIN on, or at once when the awaited process shares our CPU, a sched_yield
 * every 16), then a futex sleep. */
#ifndef FLEXOS_VMEPT_SPIN
#define FLEXOS_VMEPT_SPIN 4096
#endif
#define FLEXOS_VMEPT_PURE_SPIN 512

enum { MB_EMPTY = 0, MB_FULL = 1, MB_SLEEPING = 2 };
enum { MSG_CALL = 1, MSG_RETURN = 2, MSG_EXIT = 3 };

struct mailbox {
	uint32_t state; /* futex word */
	uint8_t kind;
	uint8_t to;     /* CALL: callee compartment */
	uint8_t reply;  /* CALL: host to answer */
	uint8_t pad;
	uint64_t fn;
	uint64_t a[6]; /* CALL: arguments; RETURN: a[0] = value; EXIT: a[0] = status */
	int32_t cpu __attribute__((aligned(64))); /* written by the owner: the CPU it last ran on */
} __attribute__((aligned(128)));

static struct mailbox *mailboxes; /* flexos_rt_nhosts of them, in the shared heap */
static pid_t children[FLEXOS_NUM_COMPARTMENTS + 1]; /* by host */
static pid_t main_pid;
static unsigned spin_limit;

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Keeps stdout in program order across processes: whatever a process buffered goes out before
 * another process runs. */
static inline void flush_stdout(void)
{
#ifdef __GLIBC__
	if (stdout->_IO_write_ptr != stdout->_IO_write_base)
		fflush(stdout);
#else
	fflush(stdout);
#endif
}

static void post(int host, int kind, int to, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct mailbox *m = &mailboxes[host];
	m->kind = (uint8_t)kind;
	m->to = (uint8_t)to;
	m->reply = (uint8_t)flexos_rt_my_host;
	m->fn = fn;
	m->a[0] = a1;
	m->a[1] = a2;
	m->a[2] = a3;
	m->a[3] = a4;
	m->a[4] = a5;
	m->a[5] = a6;
	if (__atomic_exchange_n(&m->state, MB_FULL, __ATOMIC_ACQ_REL) == MB_SLEEPING)
		futex(&m->state, FUTEX_WAKE, 1, NULL);
}

static void kill_children(void)
{
	if (getpid() != main_pid)
		return;
	for (int h = 1; h < flexos_rt_nhosts; h++) {
		if (children[h] > 0) {
			kill(children[h], SIGKILL);
			waitpid(children[h], NULL, 0);
			children[h] = 0;
		}
	}
}

static const char *name_of_host(int h)
{
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host == h)
			return flexos_compartments[c].name;
	return "?";
}

/* The main process ends the way the dead compartment process ended. */
static void child_ended(int h, int status)
{
	children[h] = 0;
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	int sig = WTERMSIG(status);
	fflush(stdout);
	fprintf(stderr, "flexos: compartment %s (process %d) died of signal %d\n", name_of_host(h),
		h, sig);
	kill_children();
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void check_children(void)
{
	for (int h = 1; h < flexos_rt_nhosts; h++) {
		int status;
		if (children[h] <= 0)
			continue;
		pid_t r = waitpid(children[h], &status, WNOHANG);
		if (r == children[h])
			child_ended(h, status);
		/* SIGCHLD ignored by the program: children are reaped by the kernel */
		if (r < 0 && errno == ECHILD && kill(children[h], 0) != 0 && errno == ESRCH)
			flexos_rt_die("compartment %s (process %d) ended", name_of_host(h), h);
	}
}

/* Waits until this process's mailbox is full, copies the message out and empties it.
 * `partner` is the process expected to write next: when it last ran on our CPU, spinning only
 * delays it, so we yield to it at once. */
static void receive(struct mailbox *out, int partner)
{
	struct mailbox *m = &mailboxes[flexos_rt_my_host];
	const int32_t *partner_cpu = &mailboxes[partner].cpu;
	int32_t cpu = sched_getcpu();
	__atomic_store_n(&m->cpu, cpu, __ATOMIC_RELAXED);
	for (unsigned i = 0;; i++) {
		uint32_t s = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (s == MB_FULL)
			break;
		if (i < spin_limit) {
			int shared_cpu = __atomic_load_n(partner_cpu, __ATOMIC_RELAXED) == cpu;
			if ((i & 15) == 15 && (i >= FLEXOS_VMEPT_PURE_SPIN || shared_cpu))
				sched_yield();
			else
				__builtin_ia32_pause();
			continue;
		}
		if (s == MB_EMPTY &&
		    !__atomic_compare_exchange_n(&m->state, &s, MB_SLEEPING, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		if (flexos_rt_my_host == 0) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			if (futex(&m->state, FUTEX_WAIT, MB_SLEEPING, &ts) != 0 && errno == ETIMEDOUT)
				check_children();
		} else {
			futex(&m->state, FUTEX_WAIT, MB_SLEEPING, NULL);
		}
	}
	*out = *m;
	__atomic_store_n(&m->state, MB_EMPTY, __ATOMIC_RELEASE);
	__atomic_store_n(&m->cpu, sched_getcpu(), __ATOMIC_RELAXED);
}

/* Serves calls into this process until a RETURN arrives (want_return) — forever otherwise.
 * `cur` is the compartment that is waiting here (the caller of the pending gate), `partner`
 * the process it waits for. */
static uint64_t serve(int cur, int want_return, int partner)
{
	struct mailbox msg;
	for (;;) {
		receive(&msg, partner);
		switch (msg.kind) {
		case MSG_RETURN:
			if (!want_return)
				flexos_rt_die("vmept: unexpected return message in process %d",
					      flexos_rt_my_host);
			return msg.a[0];
		case MSG_CALL: {
			uint64_t r = flexos_rt_local_call(cur, msg.to, msg.fn, msg.a[0], msg.a[1],
							  msg.a[2], msg.a[3], msg.a[4], msg.a[5]);
			flush_stdout();
			post(msg.reply, MSG_RETURN, 0, 0, r, 0, 0, 0, 0, 0);
			if (!want_return)
				partner = msg.reply; /* the likely next caller */
			break;
		}
		case MSG_EXIT:
			if (msg.reply < FLEXOS_NUM_COMPARTMENTS + 1 && children[msg.reply] > 0) {
				waitpid(children[msg.reply], NULL, 0); /* let it finish its own exit */
				children[msg.reply] = 0;
			}
			exit((int)msg.a[0]);
		default:
			flexos_rt_die("vmept: bad message kind %d", msg.kind);
		}
	}
}

uint64_t flexos_vmept_call(int from, int to, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
			   uint64_t a4, uint64_t a5, uint64_t a6)
{
	int h = flexos_comp_rt[to].host;
	if (h == flexos_rt_my_host)
		return flexos_rt_local_call(from, to, fn, a1, a2, a3, a4, a5, a6);
	if (!mailboxes)
		flexos_rt_die("vmept gate before start-up: link with -Wl,--wrap=main");
	flush_stdout();
	post(h, MSG_CALL, to, fn, a1, a2, a3, a4, a5, a6);
	return serve(from, 1, h);
}

/* A compartment process that calls exit() ends the whole program with that status. */
static void child_on_exit(int status, void *arg)
{
	(void)arg;
	fflush(stdout);
	post(0, MSG_EXIT, 0, 0, (uint64_t)(unsigned)status, 0, 0, 0, 0, 0);
}

/* The part of the original (libc) stack below main's entry frame: PROT_NONE in the children
 * (what stays above it is libc's start-up frame, argv, the environment and the aux vector). */
static void protect_original_stack(void *entry_frame)
{
	static char maps[65536];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(maps) - 1 && (n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	maps[len] = 0;
	uintptr_t frame = (uintptr_t)entry_frame;
	char *line = maps;
	while (*line) {
		char *end;
		uintptr_t lo = (uintptr_t)strtoull(line, &end, 16);
		uintptr_t hi = *end == '-' ? (uintptr_t)strtoull(end + 1, NULL, 16) : 0;
		if (frame >= lo && frame < hi) {
			uintptr_t top = FLEXOS_PAGE_DOWN(frame) - FLEXOS_PAGE_SIZE;
			if (top > lo && mprotect((void *)lo, top - lo, PROT_NONE) != 0)
				flexos_rt_die("mprotect(original stack): %s", strerror(errno));
			return;
		}
		char *nl = strchr(line, '\n');
		if (!nl)
			return;
		line = nl + 1;
	}
}

static uint64_t child_serve(uint64_t comp, uint64_t entry_frame, uint64_t a3, uint64_t a4,
			    uint64_t a5, uint64_t a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
	protect_original_stack((void *)(uintptr_t)entry_frame);
	serve((int)comp, 0, 0);
	return 0;
}

static void child_main(int comp, void *entry_frame)
{
	flexos_rt_my_host = flexos_comp_rt[comp].host;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != main_pid)
		_exit(0);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (c != comp)
			flexos_rt_protect_compartment(c);
	on_exit(child_on_exit, NULL);
	flexos_rt_switch_call((uint64_t)comp, (uint64_t)(uintptr_t)entry_frame, 0, 0, 0, 0,
			      FLEXOS_FN(child_serve), &flexos_rt_boot, &flexos_comp_rt[comp]);
	_exit(70);
}

static unsigned default_spin(void)
{
	const char *s = getenv("FLEXOS_VMEPT_SPIN");
	if (s && *s)
		return (unsigned)strtoul(s, NULL, 0);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2)
		return 0; /* one CPU: spinning only delays the process we wait for */
	return FLEXOS_VMEPT_SPIN;
}

void flexos_vmept_start(void *entry_frame)
{
	mailboxes = flexos_shared_memalign(128, sizeof(struct mailbox) * (size_t)flexos_rt_nhosts);
	if (!mailboxes)
		flexos_rt_die("vmept: no shared memory for the mailboxes");
	memset(mailboxes, 0, sizeof(struct mailbox) * (size_t)flexos_rt_nhosts);
	spin_limit = default_spin();
	main_pid = getpid();
	fflush(NULL); /* nothing buffered may be inherited, or it would be written twice */
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		int h = flexos_comp_rt[c].host;
		if (h == 0)
			continue;
		pid_t pid = fork();
		if (pid < 0)
			flexos_rt_die("vmept: fork: %s", strerror(errno));
		if (pid == 0)
			child_main(c, entry_frame);
		children[h] = pid;
	}
	atexit(kill_children);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host != 0)
			flexos_rt_protect_compartment(c);
}
