#!/bin/bash
# The Debian package as an administrator meets it (tests/vm/run --deb PKG
# --deb NEWER-PKG; the runner installed PKG with apt at boot): the daemon
# enabled and active, man cgctl renders, journalctl -x explains an instance
# stop (the catalog came in by systemd's trigger), cgctl enable plus a
# restart places a service, an upgrade keeps an edited cgpersist.conf, and
# removal then purge give the host back: services back in system.slice at
# their restart, a keeper tmpfs with files kept (and named), an empty one
# unmounted, no cgpersist unit, file, drop-in or mount left.
# timeout: 240
# needs: deb
. "$CGTEST_LIB"

# shellcheck disable=SC2086
set -- ${CGTEST_DEBS:-}
(($# >= 2)) || skip "needs tests/vm/run --deb PACKAGE --deb NEWER-PACKAGE"
newer=$CGTEST_DEB_DIR/$2
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends \
		-o 'DPkg::Options::=--path-include=/usr/share/man/*' "$@" 2>&1
}
cleanup() {
	systemctl stop debweb.service debdata.service 2>/dev/null || true
	rm -f /etc/systemd/system/debweb.service /etc/systemd/system/debdata.service
	umount /srv/debdata /srv/debempty 2>/dev/null || true
	systemctl daemon-reload
}
trap cleanup EXIT

# --- installed at boot -------------------------------------------------------
v1=$(dpkg-query -W -f '${Version}' cgpersist)
log "installed: cgpersist $v1"
assert_eq "$(dpkg-query -W -f '${Status}' cgpersist)" "install ok installed" "package status"
assert_eq "$(dpkg -S /usr/sbin/cgpersistd | cut -d: -f1)" cgpersist "cgpersistd belongs to the package"
wait_for -t 30 systemctl -q is-active cgpersistd.service
assert_eq "$(systemctl is-enabled cgpersistd.service)" enabled "cgpersistd enabled"
assert_eq "$(find /etc/systemd/system -name 'cgpersist-keeper@*')" "" "keeper template not enabled"
assert_eq "$(cat /var/lib/dpkg/info/cgpersist.conffiles)" /etc/cgpersist/cgpersist.conf "conffiles"

# --- man cgctl ---------------------------------------------------------------
page=$(MANPAGER=cat MANWIDTH=80 man cgctl 2>&1)
assert_match "$page" "cgctl - show and change the persistent memory cgroups" "man cgctl NAME"
assert_match "$page" "EXIT STATUS" "man cgctl sections"
log "man cgctl: $(wc -l <<<"$page") lines"

# --- cgctl enable, a restart, journalctl -x ------------------------------------
cat >/etc/systemd/system/debweb.service <<'EOF'
[Service]
ExecStart=/bin/sleep infinity
EOF
# A service with a keeper tmpfs holding data, and an empty one.
cat >/etc/systemd/system/debdata.service <<'EOF'
[Service]
ExecStart=/bin/sh -c 'echo kept >/srv/debdata/file; exec sleep infinity'
EOF
mkdir -p /etc/cgpersist/conf.d
printf '[service debdata.service]\ntmpfs=/srv/debdata size=4M\ntmpfs=/srv/debempty size=1M\n' \
	>/etc/cgpersist/conf.d/debdata.conf
systemctl daemon-reload
systemctl start debweb.service
assert_eq "$(systemctl show -P Slice debweb.service)" system.slice "debweb before cgctl enable"
cgctl enable debweb.service
systemctl restart debweb.service
assert_eq "$(systemctl show -P Slice debweb.service)" system-debweb.slice "debweb after enable + restart"
wait_for -t 20 systemctl -q is-active system-debweb.slice
systemctl start debdata.service
assert_eq "$(systemctl show -P Slice debdata.service)" system-debdata.slice "debdata placed"
wait_for -t 20 test -s /srv/debdata/file
assert_eq "$(stat -f -c %T /srv/debdata)" tmpfs "keeper tmpfs mounted"
cgctl status debweb.service | sed 's/^/  /'

# The stop of the first instance (the restart above) is explained by the catalog.
wait_for -t 20 sh -c 'journalctl -b -q MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_SERVICE=debweb.service | grep -q .'
explained=$(journalctl -b -x -q --no-pager MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_SERVICE=debweb.service)
printf '%s\n' "$explained" | sed 's/^/  /'
assert_match "$explained" "Defined-By: cgpersist" "journalctl -x explains the stop"
assert_match "$explained" "charge at stop was [0-9]+ bytes" "catalog text with its fields"

# --- upgrade keeps an edited configuration -------------------------------------
echo "# edited by deb-lifecycle" >>/etc/cgpersist/cgpersist.conf
sed -i 's/^#log_level = info/log_level = info/' /etc/cgpersist/cgpersist.conf
before=$(sha256sum /etc/cgpersist/cgpersist.conf)
pid1=$(systemctl show -P MainPID cgpersistd.service)
out=$(apt_get install "$newer") || { printf '%s\n' "$out"; fail "upgrade failed"; }
v2=$(dpkg-query -W -f '${Version}' cgpersist)
log "upgraded: $v1 -> $v2"
dpkg --compare-versions "$v2" gt "$v1" || fail "version $v2 is not newer than $v1"
assert_eq "$(sha256sum /etc/cgpersist/cgpersist.conf)" "$before" "edited cgpersist.conf kept"
wait_for -t 30 systemctl -q is-active cgpersistd.service
pid2=$(systemctl show -P MainPID cgpersistd.service)
assert_ne "$pid2" "$pid1" "cgpersistd restarted by the upgrade"
assert_eq "$(systemctl show -P Slice debweb.service)" system-debweb.slice "debweb stays in its entity"

# --- remove --------------------------------------------------------------------
out=$(apt_get remove cgpersist) || { printf '%s\n' "$out"; fail "remove failed"; }
printf '%s\n' "$out" | grep 'cgpersist:' | sed 's/^/  remove says: /' || true
assert_match "$out" "system-debweb.slice still holds debweb.service" "remove names the busy entity"
assert_match "$out" "tmpfs on /srv/debdata .* stays mounted" "remove names the kept tmpfs"
systemctl -q is-active cgpersistd.service && fail "cgpersistd still active after remove"
assert_no_file /run/cgpersist
assert_no_file /lib/systemd/system-generators/cgpersist-generator
gen=$(find /run/systemd/generator* -path '*cgpersist*' 2>/dev/null || true)
assert_eq "$gen" "" "generator drop-ins after remove"
assert_eq "$(systemctl list-units --no-legend --plain --state=active 'cgpersist*')" "" "cgpersist units active after remove"
systemctl -q is-active debweb.service || fail "remove stopped debweb.service"
assert_eq "$(cat /srv/debdata/file)" kept "tmpfs data kept"
mountpoint -q /srv/debempty && fail "the empty keeper tmpfs is still mounted"
# Their next start is in system.slice.
systemctl restart debweb.service debdata.service
assert_eq "$(systemctl show -P Slice debweb.service)" system.slice "debweb after remove + restart"
assert_eq "$(systemctl show -P Slice debdata.service)" system.slice "debdata after remove + restart"
assert_eq "$(cat /srv/debdata/file)" kept "debdata finds its data"
systemctl stop debweb.service debdata.service
# The administrator saves the data and unmounts, as the message says.
cp /srv/debdata/file "$CGTEST_TMP/saved"
umount /srv/debdata
# The administrator's own configuration file stays at purge; remove it.
rm /etc/cgpersist/conf.d/debdata.conf

# --- purge ---------------------------------------------------------------------
out=$(apt_get purge cgpersist) || { printf '%s\n' "$out"; fail "purge failed"; }
printf '%s\n' "$out" | grep 'cgpersist:' | sed 's/^/  purge says: /' || true
assert_eq "$(dpkg-query -W -f '${Status}' cgpersist 2>/dev/null || true)" "" "package known after purge"
for f in /var/lib/cgpersist /run/cgpersist /etc/cgpersist /etc/systemd/system/cgpersistd.service \
	/etc/systemd/system/multi-user.target.wants/cgpersistd.service \
	/etc/systemd/system/dbus-org.cgpersist1.service /usr/lib/systemd/catalog/cgpersist.catalog; do
	assert_no_file "$f"
done
left=$(systemctl list-units --no-legend --plain --state=active 'cgpersist*' 'system-deb*.slice')
assert_eq "$left" "" "cgpersist units and entity slices active after purge"
assert_eq "$(ls -d /run/systemd/system.control/system-deb* 2>/dev/null || true)" "" "runtime limits after purge"
gen=$(find /run/systemd/generator* -path '*cgpersist*' 2>/dev/null || true)
assert_eq "$gen" "" "generator drop-ins after purge"
mounts=$(findmnt -rn -o TARGET | grep '^/srv/deb' || true)
assert_eq "$mounts" "" "mounts after purge"
# The catalog went with the package (systemd's trigger ran again).
cat=$(journalctl --list-catalog 2>/dev/null | grep -c a790ac02b59948bc94de4da3ffb7a039 || true)
assert_eq "$cat" 0 "catalog entries after purge"
log "purged: nothing of cgpersist left"
