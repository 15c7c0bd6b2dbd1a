/*
 * vmept runtime: processes, private channels and the RPC loop.
 *
 * Each process of the deployment (host 0 = the main process, which runs the default
 * compartment and every non-vmept compartment; host h >= 1 = one vmept compartment) shares one
 * channel with every other process: a page of its own, mapped only in those two processes, with
 * one slot per direction. A message is a CALL (entry id, caller and callee compartment, six
 * arguments), a RETURN (the value, and the sequence number of the CALL it answers) or, to the
 * main process only, an EXIT (a compartment process called exit()). Every message carries the
 * next sequence number of its direction, written last: a slot holds a new message when its number
 * differs from the last one the receiver took, so the receiver only reads the slot (a flag it
 * cleared would pull the line back to its side on every message). What a ≤ 3-argument call or a
 * return needs sits in the slot's first cache line; the second is written and read only for the
 * arguments of a call with more.
 *
 * What a compromised compartment cannot do through this: name another caller (the receiver
 * knows which process wrote a slot, and a CALL's caller compartment must run in that process),
 * call something that is not an entry of the callee with the entry's arity over an edge of the
 * deployment (flexos_rt_entry), answer a call it did not receive (a RETURN counts only from the
 * process called, with that call's sequence number), reach a channel between two other
 * processes (not mapped in it). Whatever breaks the protocol is fatal and names both sides.
 *
 * Execution is synchronous: one process runs at a time. Waiting spins briefly, then sleeps on
 * the process's doorbell (a futex word in a page every process maps: a bell only wakes, it
 * carries nothing). The main process wakes every 20 ms to notice a child that died; a caller
 * that waits longer than FLEXOS_VMEPT_TIMEOUT_MS (env, default 30000; 0 = forever) for the
 * return of its call ends the program with a report.
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

/* Waiting: up to FLEXOS_VMEPT_SPIN rounds of `pause` (none when the process may use one CPU
 * only), then a futex sleep. No sched_yield and no early sleep when the partner last ran on
 * this CPU: measured on a loaded 2-CPU machine, both cost a scheduler round trip per gate
 * (5-30 us instead of ~0.5 us). */
#ifndef FLEXOS_VMEPT_SPIN
#define FLEXOS_VMEPT_SPIN 4096
#endif
#define FLEXOS_VMEPT_TIMEOUT_DEFAULT_MS 30000

#define MAX_HOSTS (FLEXOS_NUM_COMPARTMENTS + 1)
enum { BELL_AWAKE = 0, BELL_SLEEPING = 1 };
enum { MSG_CALL = 1, MSG_RETURN = 2, MSG_EXIT = 3 };

/* 64 bytes up to a[2]: the first cache line */
struct slot {
	uint64_t seq;   /* 1, 2, … per direction; written last, with release */
	uint32_t kind;
	int32_t from;   /* CALL: caller compartment (must run in the sending process) */
	int32_t to;     /* CALL: callee compartment (must run in the receiving process) */
	uint32_t pad;
	uint64_t ack;   /* RETURN: seq of the CALL it answers */
	uint64_t id;    /* CALL: entry index | arity << 32 */
	uint64_t a[6];  /* CALL: arguments; RETURN: a[0] = value; EXIT: a[0] = status */
} __attribute__((aligned(128)));

#define SLOT_LINE_ARGS 3
#define ARITY(id) ((uint32_t)((id) >> 32))

struct channel {
	struct slot dir[2]; /* dir[0]: lower host -> higher host, dir[1]: the other way */
} __attribute__((aligned(4096)));

struct bell {
	uint32_t word; /* futex */
} __attribute__((aligned(64)));

static struct channel *chan[MAX_HOSTS][MAX_HOSTS]; /* [a][b] == [b][a]; NULL: not mapped here */
static struct bell *bells;                         /* one per host, in a page every process maps */
static uint64_t send_seq[MAX_HOSTS], recv_seq[MAX_HOSTS];
static pid_t children[MAX_HOSTS]; /* by host */
static pid_t main_pid;
static unsigned spin_limit;
static long timeout_ms = FLEXOS_VMEPT_TIMEOUT_DEFAULT_MS;

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static struct slot *outgoing(int peer)
{
	return &chan[flexos_rt_my_host][peer]->dir[flexos_rt_my_host < peer ? 0 : 1];
}

static struct slot *incoming(int peer)
{
	return &chan[flexos_rt_my_host][peer]->dir[flexos_rt_my_host < peer ? 1 : 0];
}

static const char *name_of_host(int h)
{
	if (h == 0)
		return flexos_compartments[FLEXOS_DEFAULT_COMPARTMENT].name;
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host == h)
			return flexos_compartments[c].name;
	return "?";
}

static const char *entry_name(int to, uint64_t id)
{
	if (to < 0 || to >= FLEXOS_NUM_COMPARTMENTS || (uint32_t)id >= flexos_entry_tables[to].count)
		return "?";
	return flexos_entry_tables[to].entries[(uint32_t)id].name;
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

static void post(int peer, uint32_t kind, uint64_t ack, uint64_t id, int from, int to,
		 uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct slot *s = outgoing(peer);
	s->kind = kind;
	s->ack = ack;
	s->id = id;
	s->from = from;
	s->to = to;
	s->a[0] = a1;
	s->a[1] = a2;
	s->a[2] = a3;
	if (kind == MSG_CALL && ARITY(id) > SLOT_LINE_ARGS) {
		s->a[3] = a4;
		s->a[4] = a5;
		s->a[5] = a6;
	}
	__atomic_store_n(&s->seq, ++send_seq[peer], __ATOMIC_RELEASE);
	if (__atomic_exchange_n(&bells[peer].word, BELL_AWAKE, __ATOMIC_ACQ_REL) != BELL_AWAKE)
		futex(&bells[peer].word, FUTEX_WAKE, 1, NULL);
}

static void reap_all(void)
{
	for (int h = 1; h < flexos_rt_nhosts; h++) {
		if (children[h] > 0) {
			kill(children[h], SIGKILL);
			waitpid(children[h], NULL, 0);
			children[h] = 0;
		}
	}
}

/* The main process ends the program the way a compartment process ended: never with a silent
 * 0 (a compartment process exiting with 0 ends it with 70). */
static void child_ended(int h, int status)
{
	children[h] = 0;
	fflush(stdout);
	if (WIFEXITED(status)) {
		int s = WEXITSTATUS(status);
		fprintf(stderr, "flexos: compartment %s (process %d) exited with status %d%s\n",
			name_of_host(h), h, s, s ? "" : "; ending the program with status 70");
		reap_all();
		_exit(s ? s : 70);
	}
	int sig = WTERMSIG(status);
	fprintf(stderr, "flexos: compartment %s (process %d) died of signal %d\n", name_of_host(h),
		h, sig);
	reap_all();
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

/* atexit in the main process: a child that already ended is reported, the others killed. */
static void end_children(void)
{
	if (getpid() != main_pid)
		return;
	check_children();
	reap_all();
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Whether peer p's slot holds a message this process has not taken (any number but the last
 * one taken: a wrong number is then reported by serve). */
static int has_message(int p)
{
	return __atomic_load_n(&incoming(p)->seq, __ATOMIC_ACQUIRE) != recv_seq[p];
}

/* The message in peer p's slot, copied before it is checked: the sender may still scribble. */
static void take(struct slot *out, int p)
{
	const struct slot *s = incoming(p);
	out->seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	out->kind = s->kind;
	out->from = s->from;
	out->to = s->to;
	out->ack = s->ack;
	out->id = s->id;
	for (int i = 0; i < SLOT_LINE_ARGS; i++)
		out->a[i] = s->a[i];
	int more = out->kind == MSG_CALL && ARITY(out->id) > SLOT_LINE_ARGS;
	for (int i = SLOT_LINE_ARGS; i < 6; i++)
		out->a[i] = more ? s->a[i] : 0;
}

/* Takes the next message addressed to this process from any peer (trying `partner` first) and
 * returns that peer. When `timeout` (ms) is not 0 and passes once the wait has gone to sleep,
 * returns -1 (the clock is read only then: a call answered while spinning never reads it). */
static int receive(struct slot *out, int partner, long timeout)
{
	struct bell *me = &bells[flexos_rt_my_host];
	int n = flexos_rt_nhosts;
	long deadline = 0;
	for (unsigned i = 0;; i++) {
		for (int k = 0; k < n; k++) {
			int p = k == 0 ? partner : (k <= partner ? k - 1 : k);
			if (p == flexos_rt_my_host || !chan[flexos_rt_my_host][p] || !has_message(p))
				continue;
			take(out, p);
			return p;
		}
		if (i < spin_limit) {
			__builtin_ia32_pause();
			continue;
		}
		if (timeout && !deadline)
			deadline = now_ms() + timeout;
		uint32_t w = BELL_AWAKE;
		if (!__atomic_compare_exchange_n(&me->word, &w, BELL_SLEEPING, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE) &&
		    w != BELL_SLEEPING) {
			__atomic_store_n(&me->word, BELL_AWAKE, __ATOMIC_RELEASE); /* scribbled on */
			sched_yield();
		}
		/* a message posted before the bell was set is seen by the next round's scan */
		int pending = 0;
		for (int p = 0; p < n && !pending; p++)
			pending = p != flexos_rt_my_host && chan[flexos_rt_my_host][p] && has_message(p);
		if (!pending) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			long r = futex(&me->word, FUTEX_WAIT, BELL_SLEEPING, &ts);
			if (r != 0 && errno == ETIMEDOUT && flexos_rt_my_host == 0)
				check_children();
		}
		__atomic_store_n(&me->word, BELL_AWAKE, __ATOMIC_RELEASE);
		if (deadline && now_ms() > deadline)
			return -1;
	}
}

static void protocol_error(int peer, const char *what, uint64_t v)
{
	flexos_rt_die("vmept: compartment %s (process %d) broke the protocol with compartment %s "
		      "(process %d): %s (%llu)", name_of_host(peer), peer,
		      name_of_host(flexos_rt_my_host), flexos_rt_my_host, what, (unsigned long long)v);
}

static void handle_call(int peer, const struct slot *m)
{
	if (m->from < 0 || m->from >= FLEXOS_NUM_COMPARTMENTS || flexos_comp_rt[m->from].host != peer)
		protocol_error(peer, "a CALL in the name of a compartment that does not run there, "
				     "compartment", (uint64_t)(int64_t)m->from);
	if (m->to < 0 || m->to >= FLEXOS_NUM_COMPARTMENTS ||
	    flexos_comp_rt[m->to].host != flexos_rt_my_host)
		protocol_error(peer, "a CALL into a compartment that does not run here, compartment",
			       (uint64_t)(int64_t)m->to);
	uint64_t r = flexos_rt_local_call(m->from, m->to, m->id, m->a[0], m->a[1], m->a[2],
					  m->a[3], m->a[4], m->a[5]);
	flush_stdout();
	post(peer, MSG_RETURN, m->seq, 0, 0, 0, r, 0, 0, 0, 0, 0);
}

/* Serves calls into this process until the RETURN of call `want_seq` arrives from `want` —
 * forever when want < 0. `to`/`id` name the pending call for a timeout report. */
static uint64_t serve(int want, uint64_t want_seq, int to, uint64_t id)
{
	struct slot msg;
	int partner = want >= 0 ? want : 0;
	for (;;) {
		int p = receive(&msg, partner, want >= 0 && timeout_ms > 0 ? timeout_ms : 0);
		if (p < 0)
			flexos_rt_die("vmept: compartment %s (process %d) waited more than %ld ms for "
				      "compartment %s (process %d) to return from %s; giving up "
				      "(FLEXOS_VMEPT_TIMEOUT_MS)", name_of_host(flexos_rt_my_host),
				      flexos_rt_my_host, timeout_ms, name_of_host(want), want,
				      entry_name(to, id));
		if (msg.seq != recv_seq[p] + 1)
			protocol_error(p, "a message out of sequence, number", msg.seq);
		recv_seq[p] = msg.seq;
		switch (msg.kind) {
		case MSG_RETURN:
			if (p != want || msg.ack != want_seq)
				protocol_error(p, "a RETURN for a call it was not asked, answering call",
					       msg.ack);
			return msg.a[0];
		case MSG_CALL:
			handle_call(p, &msg);
			if (want < 0)
				partner = p; /* the likely next caller */
			break;
		case MSG_EXIT:
			if (flexos_rt_my_host != 0 || p == 0)
				protocol_error(p, "an EXIT to a compartment process, status", msg.a[0]);
			if (children[p] > 0) {
				int status;
				if (waitpid(children[p], &status, 0) == children[p]) /* let it finish */
					child_ended(p, status);
			}
			child_ended(p, (int)(msg.a[0] & 0xff) << 8);
			break;
		default:
			protocol_error(p, "a message of unknown kind", msg.kind);
		}
	}
}

uint64_t flexos_vmept_call(int from, int to, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3,
			   uint64_t a4, uint64_t a5, uint64_t a6)
{
	if (to < 0 || to >= FLEXOS_NUM_COMPARTMENTS)
		flexos_rt_die("vmept gate into compartment %d: no such compartment", to);
	int h = flexos_comp_rt[to].host;
	if (h == flexos_rt_my_host)
		return flexos_rt_local_call(from, to, id, a1, a2, a3, a4, a5, a6);
	if (!bells)
		flexos_rt_die("vmept gate before start-up: link with -Wl,--wrap=main");
	flush_stdout();
	post(h, MSG_CALL, 0, id, from, to, a1, a2, a3, a4, a5, a6);
	return serve(h, send_seq[h], to, id);
}

/* A compartment process that calls exit() ends the whole program (status 70 for 0). */
static void child_on_exit(int status, void *arg)
{
	(void)arg;
	fflush(stdout);
	post(0, MSG_EXIT, 0, 0, 0, 0, (uint64_t)(unsigned)status, 0, 0, 0, 0, 0);
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

/* Unmaps the channels this process is not part of. */
static void drop_channels(void)
{
	for (int a = 0; a < flexos_rt_nhosts; a++)
		for (int b = a + 1; b < flexos_rt_nhosts; b++) {
			if (a == flexos_rt_my_host || b == flexos_rt_my_host || !chan[a][b])
				continue;
			if (munmap(chan[a][b], sizeof(struct channel)) != 0)
				flexos_rt_die("vmept: munmap(channel): %s", strerror(errno));
			chan[a][b] = chan[b][a] = NULL;
		}
}

static uint64_t child_serve(uint64_t comp, uint64_t entry_frame, uint64_t a3, uint64_t a4,
			    uint64_t a5, uint64_t a6)
{
	(void)comp, (void)a3, (void)a4, (void)a5, (void)a6;
	protect_original_stack((void *)(uintptr_t)entry_frame);
	flexos_rt_lockdown(0);
	serve(-1, 0, 0, 0);
	return 0;
}

static void child_main(int comp, void *entry_frame)
{
	flexos_rt_my_host = flexos_comp_rt[comp].host;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != main_pid)
		_exit(0);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (c != comp)
			flexos_rt_drop_compartment(c);
	flexos_rt_drop_groups();
	drop_channels();
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

/* One memfd: the bells page, then a page per pair of hosts, mapped MAP_SHARED before fork. */
static void make_channels(void)
{
	int n = flexos_rt_nhosts;
	size_t pairs = (size_t)n * (size_t)(n - 1) / 2;
	size_t len = FLEXOS_PAGE_SIZE + pairs * sizeof(struct channel);
	int fd = memfd_create("flexos-channels", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		flexos_rt_die("vmept: channel memory: %s", strerror(errno));
	char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		flexos_rt_die("vmept: mmap(channels): %s", strerror(errno));
	close(fd);
	flexos_rt_fence(base, base + len);
	bells = (struct bell *)base;
	struct channel *c = (struct channel *)(base + FLEXOS_PAGE_SIZE);
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++, c++)
			chan[a][b] = chan[b][a] = c;
}

void flexos_vmept_start(void *entry_frame)
{
	const char *t = getenv("FLEXOS_VMEPT_TIMEOUT_MS");
	if (t && *t)
		timeout_ms = strtol(t, NULL, 0);
	make_channels();
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
	atexit(end_children);
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++)
		if (flexos_comp_rt[c].host != 0)
			flexos_rt_drop_compartment(c);
	drop_channels();
}

const struct flexos_mechanism flexos_mechanism_vmept = {
	.id = FLEXOS_MECH_VMEPT,
	.driver = "vmept",
	.own_process = 1,
	.start = flexos_vmept_start,
};
