/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metadata queries: stat and directory listing.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/list.h>
#include <ramfs/ramfs.h>
#include <flexos/isolation.h>
#include "ramfs_impl.h"

__u32 ramfs_dir_count(const struct ramfs_node *dir)
{
	const struct uk_list_head *pos;
	__u32 n = 0;

	uk_list_for_each(pos, &dir->children) {
		n++;
	}
	return n;
}

int ramfs_stat(const char *path, struct ramfs_stat *st)
{
	struct ramfs_node *n;
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	n = ramfs_lookup(path);
	if (!n) {
		rc = -ENOENT;
	} else {
		memset(st, 0, sizeof(*st));
		st->ino = n->ino;
		st->type = n->type;
		st->size = n->size;
		st->nchunks = n->nchunks;
		if (n->type == RAMFS_TYPE_DIR)
			st->nentries = ramfs_dir_count(n);
	}
	ramfs_unlock();
	return rc;
}

/*
 * The lock is held while the callback runs: the directory cannot change
 * under the walk. Callbacks may still call back into ramfs (the lock is
 * recursive) but must not remove entries of the directory being listed.
 */
int ramfs_readdir(const char *path, ramfs_dir_cb cb, void *arg)
{
	struct ramfs_node *dir, *child;
	/* Handed to the callback: a copy, never the node itself. The
	 * callback runs in the compartment of its own library, so the copy
	 * must be shared even though it crosses through a function pointer
	 * rather than a gate.
	 */
	struct ramfs_dirent ent __attribute__((flexos_whitelist));
	int rc, n = 0;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	dir = ramfs_lookup(path);
	if (!dir) {
		rc = -ENOENT;
		goto out;
	}
	if (dir->type != RAMFS_TYPE_DIR) {
		rc = -ENOTDIR;
		goto out;
	}
	uk_list_for_each_entry(child, &dir->children, sibling) {
		memset(&ent, 0, sizeof(ent));
		ent.ino = child->ino;
		ent.type = child->type;
		ent.size = child->size;
		memcpy(ent.name, child->name, sizeof(ent.name));
		n++;
		rc = cb(&ent, arg);
		if (rc != 0)
			goto out;
	}
	rc = n;
out:
	ramfs_unlock();
	return rc;
}
