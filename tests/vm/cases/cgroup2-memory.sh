#!/bin/bash
# The guest runs on the unified cgroup v2 hierarchy with the memory
# controller enabled at the root and for the children of system.slice.
# timeout: 30
. "$CGTEST_LIB"

fstype=$(stat -f -c %T /sys/fs/cgroup)
log "/sys/fs/cgroup: $fstype, $(findmnt -n -o FSTYPE,OPTIONS /sys/fs/cgroup)"
assert_eq "$fstype" cgroup2fs "file system type of /sys/fs/cgroup"
if grep -qE '^[^ ]+ [^ ]+ cgroup ' /proc/mounts; then
	fail "a cgroup v1 hierarchy is mounted: $(grep -E ' cgroup ' /proc/mounts)"
fi

controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
log "root cgroup.controllers: $controllers"
[[ " $controllers " == *" memory "* ]] || fail "memory is not in cgroup.controllers"

subtree=$(cat /sys/fs/cgroup/system.slice/cgroup.subtree_control)
log "system.slice cgroup.subtree_control: $subtree"
[[ " $subtree " == *" memory "* ]] || fail "memory is not in system.slice's cgroup.subtree_control"

# The memory interface files the project relies on.
for f in memory.current memory.stat memory.max memory.low memory.high memory.events; do
	assert_file "/sys/fs/cgroup/system.slice/$f"
done
cur=$(cat /sys/fs/cgroup/system.slice/memory.current)
log "system.slice memory.current: $cur"
assert_ge "$cur" 1 "system.slice memory.current"
