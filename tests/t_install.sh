#!/usr/bin/env bash
# `make install` and `make uninstall` (mk/install.mk) into a staging DESTDIR: every file
# in place with the right mode, the binary runs, the units name the installed binary and
# configuration, a second install keeps an operator's configuration, other PREFIX /
# SYSCONFDIR / UNITDIR / MANDIR values are honoured, and uninstall removes everything
# but the configuration.
#
# make runs with the BUILD and SAN of this test run, so $(BIN) is the binary under test
# and is already up to date (tests/run passes BUILD=$(OUT), which ends in /san for SAN=1).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh

mk_build=${BUILD:-build}
[ "${SAN:-}" = 1 ] && mk_build=${mk_build%/san}
MK=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$mk_build"
	SAN="${SAN:-}")
# until the Makefile includes mk/install.mk, read it after the Makefile (its rules win)
grep -q '^include mk/install.mk' Makefile || MK+=(-f Makefile -f mk/install.mk)
UNITDIR_DEFAULT=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)

R=$TMP/root
"${MK[@]}" install DESTDIR="$R" PREFIX=/usr >"$TMP/install1.log" 2>&1
rc=$?
is "make install DESTDIR=... PREFIX=/usr: exit 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   | /' "$TMP/install1.log" | tail -n 20

# mode_of FILE: "644" etc., or "missing"
mode_of() { stat -c %a "$1" 2>/dev/null || echo missing; }
is "binary: /usr/bin/feedwatchd, mode 755" "$(mode_of "$R/usr/bin/feedwatchd")" 755
check "binary: the one under test ($FEEDWATCHD)" cmp -s "$R/usr/bin/feedwatchd" "$FEEDWATCHD"
out=$("$R/usr/bin/feedwatchd" --version 2>&1); rc=$?
check "binary: --version runs ('$out')" bash -c "[ $rc = 0 ] && grep -qE '^feedwatchd [0-9]+\.[0-9]+' <<<'$out'"
is "configuration: /etc/feedwatchd/feedwatchd.conf, mode 644 (the dynamic user reads it)" \
	"$(mode_of "$R/etc/feedwatchd/feedwatchd.conf")" 644
check "configuration: the example" cmp -s "$R/etc/feedwatchd/feedwatchd.conf" conf/feedwatchd.conf
is "example copy: /usr/share/doc/feedwatchd/feedwatchd.conf" \
	"$(mode_of "$R/usr/share/doc/feedwatchd/feedwatchd.conf")" 644
for u in feedwatchd.service feedwatchd@.service; do
	f=$R$UNITDIR_DEFAULT/$u
	is "unit: $UNITDIR_DEFAULT/$u, mode 644" "$(mode_of "$f")" 644
	is "unit $u: ExecStart= is the installed binary" "$(sed -n 's/^ExecStart=//p' "$f")" \
		"/usr/bin/feedwatchd run"
	check "unit $u: no /usr/local path left" bash -c "! grep -q /usr/local '$f'"
	check "unit $u: otherwise the unit as shipped" \
		bash -c "diff <(grep -v '^ExecStart=' 'systemd/$u') <(grep -v '^ExecStart=' '$f') >/dev/null"
done
is "man page: /usr/share/man/man8/feedwatchd.8" "$(mode_of "$R/usr/share/man/man8/feedwatchd.8")" 644
is "man page: /usr/share/man/man5/feedwatchd.conf.5" \
	"$(mode_of "$R/usr/share/man/man5/feedwatchd.conf.5")" 644
check "man pages: as shipped" bash -c "cmp -s man/feedwatchd.8 '$R/usr/share/man/man8/feedwatchd.8' &&
	cmp -s man/feedwatchd.conf.5 '$R/usr/share/man/man5/feedwatchd.conf.5'"
out=$("$R/usr/bin/feedwatchd" check -c "$R/etc/feedwatchd/feedwatchd.conf" 2>&1); rc=$?
is "the installed configuration passes 'feedwatchd check'" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   | /' <<<"$out"
find "$R" -type f | sed "s|^$R||" | sort >"$TMP/files1"
is "install put 7 files, no more" "$(wc -l <"$TMP/files1")" 7
sed 's/^/#   /' "$TMP/files1"

# ---- a second install keeps a changed configuration ------------------------------------
printf '\n; changed by the operator\n' >>"$R/etc/feedwatchd/feedwatchd.conf"
chmod 0640 "$R/etc/feedwatchd/feedwatchd.conf"
cp "$R/etc/feedwatchd/feedwatchd.conf" "$TMP/changed.conf"
"${MK[@]}" install DESTDIR="$R" PREFIX=/usr >"$TMP/install2.log" 2>&1
rc=$?
is "second install: exit 0" "$rc" 0
check "second install: the changed configuration is kept, byte for byte" \
	cmp -s "$R/etc/feedwatchd/feedwatchd.conf" "$TMP/changed.conf"
is "second install: ... and its mode" "$(mode_of "$R/etc/feedwatchd/feedwatchd.conf")" 640
check "second install: says it kept it" grep -q "keeping the existing $R/etc/feedwatchd/feedwatchd.conf" \
	"$TMP/install2.log"
check "second install: the new example is in the doc directory" \
	cmp -s "$R/usr/share/doc/feedwatchd/feedwatchd.conf" conf/feedwatchd.conf

# ---- uninstall ---------------------------------------------------------------------------
"${MK[@]}" uninstall DESTDIR="$R" PREFIX=/usr >"$TMP/uninstall.log" 2>&1
rc=$?
is "make uninstall: exit 0" "$rc" 0
left=$(find "$R" -type f | sed "s|^$R||" | sort | tr '\n' ' ')
is "uninstall: only the configuration is left" "$left" "/etc/feedwatchd/feedwatchd.conf "
check "uninstall: the configuration is untouched" cmp -s "$R/etc/feedwatchd/feedwatchd.conf" \
	"$TMP/changed.conf"
check "uninstall: says it kept the configuration" grep -q "kept the configuration" "$TMP/uninstall.log"
"${MK[@]}" uninstall DESTDIR="$R" PREFIX=/usr >"$TMP/uninstall2.log" 2>&1
is "a second uninstall: exit 0" "$?" 0

# ---- other directories -------------------------------------------------------------------
R2=$TMP/root2
"${MK[@]}" install DESTDIR="$R2" PREFIX=/opt/fw SYSCONFDIR=/opt/fw/etc \
	UNITDIR=/usr/lib/systemd/system MANDIR=/opt/fw/man >"$TMP/install3.log" 2>&1
rc=$?
is "install PREFIX=/opt/fw SYSCONFDIR=... UNITDIR=... MANDIR=...: exit 0" "$rc" 0
check "binary under PREFIX" test -x "$R2/opt/fw/bin/feedwatchd"
check "configuration under SYSCONFDIR" test -f "$R2/opt/fw/etc/feedwatchd/feedwatchd.conf"
check "units under UNITDIR" test -f "$R2/usr/lib/systemd/system/feedwatchd@.service"
check "man pages under MANDIR" test -f "$R2/opt/fw/man/man5/feedwatchd.conf.5"
f=$R2/usr/lib/systemd/system/feedwatchd.service
is "unit: ExecStart= follows PREFIX" "$(sed -n 's/^ExecStart=//p' "$f")" "/opt/fw/bin/feedwatchd run"
is "unit: FEEDWATCHD_CONFIG follows SYSCONFDIR" "$(sed -n 's/^Environment=//p' "$f")" \
	FEEDWATCHD_CONFIG=/opt/fw/etc/feedwatchd/feedwatchd.conf
is "instance unit: FEEDWATCHD_CONFIG follows SYSCONFDIR" \
	"$(sed -n 's/^Environment=//p' "$R2/usr/lib/systemd/system/feedwatchd@.service")" \
	FEEDWATCHD_CONFIG=/opt/fw/etc/feedwatchd/%i.conf
if command -v systemd-analyze >/dev/null; then
	# verify needs the ExecStart= binary and the Documentation= pages where they say
	sed "s|/opt/fw/bin/feedwatchd|$R2/opt/fw/bin/feedwatchd|" "$f" >"$TMP/feedwatchd.service"
	vopts=()
	command -v man >/dev/null || vopts=(--man=no)
	out=$(MANPATH=$R2/opt/fw/man systemd-analyze verify "${vopts[@]}" "$TMP/feedwatchd.service" 2>&1); rc=$?
	is "the installed unit passes systemd-analyze verify" "$rc:$out" "0:"
else
	ok "# SKIP systemd-analyze is not installed: installed unit not verified"
fi
"${MK[@]}" uninstall DESTDIR="$R2" PREFIX=/opt/fw SYSCONFDIR=/opt/fw/etc \
	UNITDIR=/usr/lib/systemd/system MANDIR=/opt/fw/man >"$TMP/uninstall3.log" 2>&1
is "uninstall with the same variables: only the configuration is left" \
	"$(find "$R2" -type f | sed "s|^$R2||" | tr '\n' ' ')" "/opt/fw/etc/feedwatchd/feedwatchd.conf "

done_testing
