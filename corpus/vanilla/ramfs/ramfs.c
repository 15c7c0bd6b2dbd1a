/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ramfs core: the heap, the node tree and path resolution.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/list.h>
#include <uk/alloc.h>
#include <uk/mutex.h>
#include <ramfs/ramfs.h>
#include "ramfs_impl.h"

#define RAMFS_ARENA_SIZE (512 * 1024)

static const char ramfs_libinfo[] __used __section(".uk_libinfo") =
	"ramfs 1.0";

struct uk_alloc ramfs_heap;
/* The heap's memory belongs to ramfs like any other of its globals. */
static char ramfs_arena[RAMFS_ARENA_SIZE] __aligned(UK_ALLOC_ALIGN);

static struct ramfs_node *root;
static __u32 next_ino = 1;
static int ramfs_mutex = -1;
static int ramfs_heap_id = -1;
static int ramfs_ready;

int ramfs_lock(void)
{
	if (unlikely(!ramfs_ready))
		return -ENODEV;
	uk_mutex_lock(ramfs_mutex);
	return 0;
}

void ramfs_unlock(void)
{
	uk_mutex_unlock(ramfs_mutex);
}

struct ramfs_node *ramfs_node_new(struct ramfs_node *parent,
				  const char *name, __u32 type)
{
	struct ramfs_node *n;

	n = uk_calloc(&ramfs_heap, 1, sizeof(*n));
	if (!n)
		return NULL;
	UK_INIT_LIST_HEAD(&n->sibling);
	UK_INIT_LIST_HEAD(&n->children);
	UK_INIT_LIST_HEAD(&n->chunks);
	n->type = type;
	n->ino = next_ino++;
	strncpy(n->name, name, sizeof(n->name) - 1);
	n->parent = parent;
	if (parent)
		uk_list_add_tail(&n->sibling, &parent->children);
	return n;
}

void ramfs_node_destroy(struct ramfs_node *n)
{
	UK_ASSERT(n->opencount == 0);
	UK_ASSERT(uk_list_empty(&n->children));
	if (n->type == RAMFS_TYPE_FILE)
		ramfs_file_truncate(n);
	uk_free(&ramfs_heap, n);
}

void ramfs_node_release(struct ramfs_node *n)
{
	uk_list_del(&n->sibling);
	n->parent = NULL;
	if (n->opencount > 0) {
		/* Still open: the last close frees it. */
		n->unlinked = 1;
		return;
	}
	ramfs_node_destroy(n);
}

static struct ramfs_node *dir_find(struct ramfs_node *dir, const char *name)
{
	struct ramfs_node *child;

	uk_list_for_each_entry(child, &dir->children, sibling) {
		if (strcmp(child->name, name) == 0)
			return child;
	}
	return NULL;
}

/* Copy the path component starting at *p into `out`; advances *p past it
 * and any following slashes. Returns its length or -ENAMETOOLONG.
 */
static int next_component(const char **p, char out[RAMFS_NAME_MAX])
{
	const char *s = *p;
	int len = 0;

	while (s[len] != '\0' && s[len] != '/')
		len++;
	if (len >= RAMFS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out, s, (__sz)len);
	out[len] = '\0';
	s += len;
	while (*s == '/')
		s++;
	*p = s;
	return len;
}

int ramfs_walk(const char *path, struct ramfs_node **parent,
	       struct ramfs_node **node, char last[RAMFS_NAME_MAX])
{
	struct ramfs_node *dir = root, *cur = root;
	const char *p = path;
	int len;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= RAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	while (*p == '/')
		p++;
	last[0] = '\0';
	/* The root itself: its parent is itself, like "/.." */
	if (*p == '\0') {
		*parent = root;
		*node = root;
		return 0;
	}
	while (*p != '\0') {
		if (!cur)
			return -ENOENT;
		if (cur->type != RAMFS_TYPE_DIR)
			return -ENOTDIR;
		dir = cur;
		len = next_component(&p, last);
		if (len < 0)
			return len;
		cur = dir_find(dir, last);
	}
	*parent = dir;
	*node = cur;
	return 0;
}

struct ramfs_node *ramfs_lookup(const char *path)
{
	struct ramfs_node *parent, *node;
	char last[RAMFS_NAME_MAX];

	if (ramfs_walk(path, &parent, &node, last) < 0)
		return NULL;
	return node;
}

int ramfs_init(void)
{
	int rc;

	if (ramfs_ready)
		return 0;
	uk_alloc_init(&ramfs_heap, ramfs_arena, sizeof(ramfs_arena));
	rc = uk_mutex_create("ramfs");
	if (rc < 0)
		return rc;
	ramfs_mutex = rc;
	ramfs_heap_id = uk_alloc_register("ramfs", sizeof(ramfs_arena));
	root = ramfs_node_new(NULL, "", RAMFS_TYPE_DIR);
	if (!root)
		return -ENOMEM;
	ramfs_ready = 1;
	return 0;
}

int ramfs_publish_stats(void)
{
	struct uk_alloc_stats st;
	int rc;

	if (ramfs_heap_id < 0)
		return -ENODEV;
	/* Sanity-check the arena while we are at it. */
	uk_alloc_check(&ramfs_heap);
	uk_alloc_stats_get(&ramfs_heap, &st);
	rc = uk_alloc_update(ramfs_heap_id, &st);
	return rc;
}
