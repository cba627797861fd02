#!/bin/bash
# The scratch disk is ext4 on virtio, and reading a file from it fills the
# page cache charged to the reader's cgroup.
# timeout: 60
. "$CGTEST_LIB"
assert_eq "$(findmnt -n -o FSTYPE "$CGTEST_DISK")" ext4
assert_eq "$(findmnt -n -o SOURCE "$CGTEST_DISK")" /dev/vda
dd if=/dev/zero of="$CGTEST_DISK/f" bs=1M count=32 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
cg=$(unit_cgroup cgpersist-vmtest.service)
before=$(sed -n 's/^file //p' "$cg/memory.stat")
cat "$CGTEST_DISK/f" >/dev/null
after=$(sed -n 's/^file //p' "$cg/memory.stat")
log "file pages of the runner's cgroup: $before -> $after"
assert_ge $((after - before)) $((30 << 20)) "page cache charged by reading 32 MiB"
rm -f "$CGTEST_DISK/f"
